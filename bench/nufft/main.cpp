// bench_nufft: 3D type 1 and type 2 NUFFT throughput of phasis on the CPU and on CUDA, with the
// error measured against direct sums, on the problem of problem.hpp (the same one that
// bench/peers/nufft_peers.py gives finufft and cufinufft).
//   set_points  seconds for plan.set_points (fold, sort, copy): median of the repeats
//   execute     seconds for plan.execute (spread or interpolate, FFT, deconvolve): median
//   Mpts/s      points / execute, and points / (set_points + execute); plan creation (FFT
//               planning) is excluded from both, and so are host-device copies
//   rel. error  ||out - direct|| / ||direct|| at `samples` modes (type 1) or points (type 2), the
//               direct sums in double over all points (type 1) or all modes (type 2)
// CPU runs in double at tolerance 1e-6, CUDA in float at 1e-5 (as the acceptance asks).
// Usage: bench_nufft [--device cpu|cuda|both] [--points 1e7] [--modes 128,256] [--threads N]
//                    [--repeats 3] [--types 1,2] [--spread auto,shared,global] [--samples 16]
// --spread: the CUDA methods, one row each: auto (the plan's choice, shown as "auto: shared" or
// "auto: global"), shared, global (type 1: Options::spread, type 2: Options::interpolate); any
// of them with :BYTES for the boxes' shared-memory budget (shared:49152: 48 KiB boxes).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#if PHASIS_HAVE_CUDA
#include <cuda_runtime.h>
#endif

#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/nufft/nufft.hpp"
#include "problem.hpp"

using namespace phasis;
using namespace bench_nufft;

namespace {

struct Args {
  std::string device = "cpu";
  int64_t points = 10000000;
  std::vector<int64_t> modes = {128, 256};
  int threads = 0;
  int repeats = 3;
  std::vector<int64_t> types = {1, 2};
  std::vector<std::string> spread = {"auto"};
  int samples = 16;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t comma = s.find(',', at);
    out.push_back(s.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

std::vector<int64_t> split_ints(const std::string& s) {
  std::vector<int64_t> out;
  for (const auto& p : split(s)) out.push_back(int64_t(std::stod(p)));
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw InputError("bench_nufft: " + k + " needs a value");
    const std::string v = argv[++i];
    if (k == "--device") a.device = v;
    else if (k == "--points") a.points = int64_t(std::stod(v));
    else if (k == "--modes") a.modes = split_ints(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else if (k == "--repeats") a.repeats = std::max(1, std::stoi(v));
    else if (k == "--types") a.types = split_ints(v);
    else if (k == "--spread") a.spread = split(v);
    else if (k == "--samples") a.samples = std::max(1, std::stoi(v));
    else throw InputError("bench_nufft: unknown option " + k);
  }
  if (a.device != "cpu" && a.device != "cuda" && a.device != "both")
    throw InputError("bench_nufft --device: expected cpu, cuda or both; found " + a.device);
  if (a.threads <= 0) a.threads = omp_get_max_threads();
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Points, type-1 strengths and (per mode count) type-2 modes in precision T.
template <class T>
struct Problem {
  int64_t m = 0;
  std::vector<T> xyz[3];
  std::vector<Complex<T>> c;

  explicit Problem(int64_t points) : m(points) {
    for (int d = 0; d < 3; ++d) xyz[d].resize(m);
    c.resize(m);
#pragma omp parallel for
    for (int64_t j = 0; j < m; ++j) {
      for (int d = 0; d < 3; ++d) xyz[d][j] = T(2 * kPi * uniform(d, j) - kPi);
      c[j] = {T(2 * uniform(3, j) - 1), T(2 * uniform(4, j) - 1)};
    }
  }
};

template <class T>
std::vector<Complex<T>> modes_of(int64_t n) {
  std::vector<Complex<T>> f(n * n * n);
#pragma omp parallel for
  for (int64_t r = 0; r < int64_t(f.size()); ++r) f[r] = {T(2 * uniform(5, r) - 1), T(2 * uniform(6, r) - 1)};
  return f;
}

/// Type 1 (sign +1) at the sampled modes, summed in double over all points.
template <class T>
double type1_error(const Problem<T>& p, int64_t n, const std::vector<Complex<T>>& f, int samples) {
  const int64_t total = n * n * n;
  std::vector<int64_t> r(samples);
  for (int s = 0; s < samples; ++s) r[s] = int64_t(hash(7, s) % uint64_t(total));
  std::vector<double> k[3];
  for (int d = 0; d < 3; ++d) k[d].resize(samples);
  for (int s = 0; s < samples; ++s) {
    k[0][s] = double(r[s] % n - n / 2);
    k[1][s] = double(r[s] / n % n - n / 2);
    k[2][s] = double(r[s] / (n * n) - n / 2);
  }
  std::vector<double> re(samples, 0), im(samples, 0);
#pragma omp parallel
  {
    std::vector<double> lre(samples, 0), lim(samples, 0);
#pragma omp for
    for (int64_t j = 0; j < p.m; ++j) {
      const double x = p.xyz[0][j], y = p.xyz[1][j], z = p.xyz[2][j], cr = p.c[j].re, ci = p.c[j].im;
      for (int s = 0; s < samples; ++s) {
        const double ph = k[0][s] * x + k[1][s] * y + k[2][s] * z, cs = std::cos(ph), sn = std::sin(ph);
        lre[s] += cr * cs - ci * sn;
        lim[s] += cr * sn + ci * cs;
      }
    }
#pragma omp critical
    for (int s = 0; s < samples; ++s) re[s] += lre[s], im[s] += lim[s];
  }
  double num = 0, den = 0;
  for (int s = 0; s < samples; ++s) {
    const double dr = double(f[r[s]].re) - re[s], di = double(f[r[s]].im) - im[s];
    num += dr * dr + di * di;
    den += re[s] * re[s] + im[s] * im[s];
  }
  return std::sqrt(num / den);
}

/// Type 2 (sign -1) at the sampled points, summed in double over all modes (separably).
template <class T>
double type2_error(const Problem<T>& p, int64_t n, const std::vector<Complex<T>>& f,
                   const std::vector<Complex<T>>& c, int samples) {
  double num = 0, den = 0;
#pragma omp parallel for reduction(+ : num, den)
  for (int s = 0; s < samples; ++s) {
    const int64_t j = int64_t(hash(8, s) % uint64_t(p.m));
    std::vector<double> er[3], ei[3];
    for (int d = 0; d < 3; ++d) {
      er[d].resize(n), ei[d].resize(n);
      for (int64_t i = 0; i < n; ++i) {
        const double ph = -double(i - n / 2) * double(p.xyz[d][j]);
        er[d][i] = std::cos(ph), ei[d][i] = std::sin(ph);
      }
    }
    double sr = 0, si = 0;
    for (int64_t iz = 0; iz < n; ++iz) {
      double yr = 0, yi = 0;
      for (int64_t iy = 0; iy < n; ++iy) {
        const Complex<T>* row = f.data() + (iz * n + iy) * n;
        double xr = 0, xi = 0;
        for (int64_t ix = 0; ix < n; ++ix) {
          xr += double(row[ix].re) * er[0][ix] - double(row[ix].im) * ei[0][ix];
          xi += double(row[ix].re) * ei[0][ix] + double(row[ix].im) * er[0][ix];
        }
        yr += xr * er[1][iy] - xi * ei[1][iy];
        yi += xr * ei[1][iy] + xi * er[1][iy];
      }
      sr += yr * er[2][iz] - yi * ei[2][iz];
      si += yr * ei[2][iz] + yi * er[2][iz];
    }
    const double dr = double(c[j].re) - sr, di = double(c[j].im) - si;
    num += dr * dr + di * di;
    den += sr * sr + si * si;
  }
  return std::sqrt(num / den);
}

template <class T>
std::vector<T> to_host(const Array<T>& a) {
  Array<T> h = a.to(Memory::host);
  return std::vector<T>(h.data(), h.data() + h.size());
}

template <class T>
Array<T> to_array(const std::vector<T>& v, Memory mem) {
  Array<T> h(Shape{int64_t(v.size())});
  std::copy(v.begin(), v.end(), h.data());
  return mem == Memory::host ? std::move(h) : h.to(mem);
}

/// The CUDA method of a row: auto, shared or global (spreading for type 1, interpolation for
/// type 2). A method may end in :BYTES, the shared-memory budget of its boxes
/// (Options::shared_bytes).
void method_of(const std::string& name, nufft::Options& opt) {
  const std::size_t colon = name.find(':');
  const std::string s = name.substr(0, colon);
  if (colon != std::string::npos) opt.shared_bytes = int64_t(std::stod(name.substr(colon + 1)));
  if (s == "auto") {
    opt.spread = nufft::Spread::automatic;
    opt.interpolate = nufft::Interpolate::automatic;
  } else if (s == "shared") {
    opt.spread = nufft::Spread::shared;
    opt.interpolate = nufft::Interpolate::shared;
  } else if (s == "global") {
    opt.spread = nufft::Spread::global;
    opt.interpolate = nufft::Interpolate::global;
  } else {
    throw InputError("bench_nufft --spread: expected auto, shared or global; found " + s);
  }
}

/// One row: plan (untimed), set_points and execute `repeats` times, error at the samples.
template <class T>
void run(const Args& a, const Problem<T>& p, bool gpu, int64_t n, int type, const std::string& spread) {
  const double tol = gpu ? 1e-5 : 1e-6;
  const Memory mem = gpu ? Memory::device : Memory::host;
  nufft::Options opt;
  opt.device = gpu ? Device::cuda() : Device::cpu(a.threads);
  method_of(spread, opt);
  const int sign = type == 1 ? +1 : -1;
  const int64_t total = n * n * n;
  nufft::Plan<T> plan(type == 1 ? nufft::Type::type1 : nufft::Type::type2, {n, n, n}, sign, tol, 1, opt);
  Array<T> xyz[3];
  for (int d = 0; d < 3; ++d) xyz[d] = to_array(p.xyz[d], mem);
  std::vector<Complex<T>> fin = type == 2 ? modes_of<T>(n) : std::vector<Complex<T>>();
  Array<Complex<T>> c = type == 1 ? to_array(p.c, mem) : Array<Complex<T>>(Shape{p.m}, mem);
  Array<Complex<T>> f = type == 2 ? to_array(fin, mem) : Array<Complex<T>>(Shape{total}, mem);
  std::vector<double> tset, texec;
  for (int r = 0; r < a.repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    plan.set_points(p.m, xyz[0].data(), xyz[1].data(), xyz[2].data());
    tset.push_back(seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    plan.execute(c.data(), f.data());
    texec.push_back(seconds_since(t0));
  }
  double err = 0;
  if (type == 1) err = type1_error(p, n, to_host(f), a.samples);
  else err = type2_error(p, n, fin, to_host(c), a.samples);
  const double ts = median(tset), te = median(texec);
  // The method that ran, from the plan: what the automatic choice picked at these points.
  std::string code;
  if (gpu) {
    code = " (" + spread;
    if (spread.rfind("auto", 0) == 0)
      code += std::string(": ") + (type == 1 ? plan.spread_method() : plan.interpolate_method());
    code += ")";
  }
  std::printf("| %s | phasis%s | %lld^3 | %d | %s | %.0e | %d | %.3f | %.3f | %.1f | %.1f | %.1e |\n",
              gpu ? "cuda" : "cpu", code.c_str(), (long long)n, type,
              sizeof(T) == 8 ? "double" : "float", tol, gpu ? 0 : a.threads, ts, te, p.m / te / 1e6,
              p.m / (ts + te) / 1e6, err);
  std::fflush(stdout);
}

void header() {
  std::printf("| device | code | modes | type | precision | tol | threads | set_points s | execute s | "
              "Mpts/s execute | Mpts/s set_points+execute | rel. error |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    const bool cpu = a.device != "cuda", gpu = a.device != "cpu";
    std::printf("bench_nufft: 3D, %lld points uniform in [-pi, pi)^3, %d threads, median of %d, error at %d samples\n",
                (long long)a.points, a.threads, a.repeats, a.samples);
#if PHASIS_HAVE_CUDA
    if (gpu) {
      cudaDeviceProp prop{};
      if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) std::printf("GPU: %s\n", prop.name);
    }
#endif
    header();
    if (cpu) {
      const Problem<double> p(a.points);
      for (int64_t n : a.modes)
        for (int64_t type : a.types) run(a, p, false, n, int(type), "auto");
    }
    if (gpu) {
      const Problem<float> p(a.points);
      for (int64_t n : a.modes)
        for (int64_t type : a.types)
          for (const auto& s : a.spread) run(a, p, true, n, int(type), s);
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_nufft: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_nufft: %s\n", e.what());
    return 1;
  }
  return 0;
}
