// The benchmark problem of bench_nufft, defined by a formula so that bench/peers/nufft_peers.py
// makes exactly the same one in numpy: value i of stream s is u = (splitmix64(s 2^40 + i) >> 11)
// 2^-53 in [0, 1). Streams: 0, 1, 2 the coordinates x, y, z = 2 pi u - pi of the M points; 3, 4 the
// real and imaginary parts 2u - 1 of the type-1 strengths; 5, 6 those of the type-2 modes, mode
// index r = ix + N1 (iy + N2 iz) (x fastest, mode ix - N1/2); 7 the sampled modes (r = h mod N)
// and 8 the sampled points (j = h mod M) where the error is measured.
#pragma once

#include <cstdint>

namespace bench_nufft {

inline uint64_t splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline uint64_t hash(int stream, int64_t i) { return splitmix64((uint64_t(stream) << 40) + uint64_t(i)); }

inline double uniform(int stream, int64_t i) { return double(hash(stream, i) >> 11) * 0x1p-53; }

constexpr double kPi = 3.14159265358979323846;

}  // namespace bench_nufft
