// The data misfit every solver's result is judged by: the R-factor of the final object and probe
// modes against the measured amplitudes,
//   R = sum_j sum_valid | a_j - A_j | / sum_j sum_valid A_j,   a_j = sqrt(sum_kl |F[P^k_j O^l_j]|^2) / M,
// the same number for every solver, so that settings and solvers can be compared (each solver's
// own "error" is its own measure: DM's is its step size). Computed once after the run, on the
// backend, in batches of frames: frames at the corners the solver used (its refined or sub-pixel
// positions, else the problem's integer offsets), a sub-pixel corner's probe moved by a Fourier
// phase ramp (subpixel.hpp); summed over the parts of a distributed run (pr holds one part's
// frames, in the whole object's frame). Written once over the backend; the driver calls it.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "ptycho/model/fourier.hpp"
#include "ptycho/model/forward.hpp"
#include "ptycho/model/start.hpp"
#include "ptycho/model/subpixel.hpp"

namespace phasis::model {

/// buf[j][k][l][p] = P^k_j O^l_j for the batch's frames; `stride` 0: one probe for every frame,
/// else each frame's own probes (fp[j][k][p]).
template <class T>
struct BatchWaves {
  Complex<T>* buf;
  const Complex<T>* probe;
  int64_t stride;
  const Complex<T>* object;
  const int32_t* offsets;  // the batch's first frame's
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const ExitIndex e(i, g, 0);
    buf[i] = probe[e.j * stride + e.k * g.pix + e.p] * object[e.l * g.plane() + object_index(offsets, g, e.j, e.p)];
  }
};

/// |a - A| on valid detector pixels of the batch (i = frame * pix + p).
template <class T>
struct AmplitudeMisfit {
  const Complex<T>* buf;
  const float* amp;
  const uint8_t* valid;
  Geometry g;
  T inv_m;
  PHASIS_HD double operator()(int64_t i) const {
    const int64_t p = i % g.pix;
    if (!valid[p]) return 0.0;
    const double d = double(mode_magnitude(buf, g, i / g.pix, p, inv_m)) - double(amp[i]);
    return d < 0 ? -d : d;
  }
};

/// A on valid detector pixels.
struct ValidAmplitude {
  const float* amp;
  const uint8_t* valid;
  int64_t pix;
  PHASIS_HD double operator()(int64_t i) const { return valid[i % pix] ? double(amp[i]) : 0.0; }
};

/// The R-factor of `r` (its object and probe modes) on the frames of `pr`; collective over the
/// parts when `reducer` joins several. -1 when there is nothing to compare (no signal).
template <class B, class T>
double r_factor(const B& b, const PtychoProblem& pr, const SolverResult& r, comm::Communicator& reducer) {
  const int64_t m = pr.frame_size, pix = m * m, n = pr.frames;
  const auto& os = r.object.shape();
  const int64_t l = os.rank == 3 ? os[0] : 1, h = os[os.rank - 2], w = os[os.rank - 1];
  const int64_t k = r.probe.shape().rank == 3 ? r.probe.shape()[0] : 1;
  const Geometry g{m, pix, k, l, h, w};
  // The corners the solver used: refined or sub-pixel positions when it reports them.
  const bool own = r.positions.size() == 2 * n;
  std::vector<int32_t> offsets(size_t(2 * n));
  std::vector<T> shifts(size_t(2 * n), T(0));
  bool off_grid = false;
  for (int64_t i = 0; i < 2 * n; ++i) {
    if (!own) {
      offsets[size_t(i)] = pr.offsets[i];
      continue;
    }
    const double c = r.positions[i], o = std::floor(c + 0.5);
    offsets[size_t(i)] = int32_t(o);
    shifts[size_t(i)] = T(c - o);
    off_grid = off_grid || std::abs(c - o) > 1e-6;
  }
  for (int64_t j = 0; j < n; ++j)  // a refined corner that left the box would read outside the object
    if (offsets[size_t(2 * j)] < 0 || offsets[size_t(2 * j + 1)] < 0 || offsets[size_t(2 * j)] + m > h ||
        offsets[size_t(2 * j + 1)] + m > w)
      offsets[size_t(2 * j)] = int32_t(std::clamp<int64_t>(offsets[size_t(2 * j)], 0, h - m)),
      offsets[size_t(2 * j + 1)] = int32_t(std::clamp<int64_t>(offsets[size_t(2 * j + 1)], 0, w - m));

  const Array<Complex<T>> object = convert<T>(r.object).to(B::memory), probe = convert<T>(r.probe).to(B::memory);
  const Array<uint8_t> valid = pr.valid.to(B::memory);
  // Batches of at most 64 MiB of waves (a frame at least).
  const int64_t per_frame = g.modes() * pix * int64_t(sizeof(Complex<T>));
  const int64_t batch = std::clamp<int64_t>((int64_t(64) << 20) / std::max<int64_t>(per_frame, 1), 1, std::max<int64_t>(n, 1));
  Array<Complex<T>> buf(Shape{batch * g.modes() * pix}, B::memory);
  Array<float> amp(Shape{batch * pix}, B::memory);
  Array<int32_t> off(Shape{2 * batch}, B::memory);
  Array<T> sh(Shape{2 * batch}, B::memory);
  Array<Complex<T>> spec, fp;
  std::unique_ptr<typename B::template Fft<T>> probe_plan, frame_probes, frame_probes_tail;
  const std::vector<int> dims{int(m), int(m)};
  if (off_grid) {  // the probe's spectrum once; each frame's probe from it per batch
    spec = Array<Complex<T>>(probe.shape(), B::memory);
    spec.assign(probe);
    probe_plan = b.template fft<T>(dims, k);
    probe_plan->forward(spec.data());
    fp = Array<Complex<T>>(Shape{batch * k * pix}, B::memory);
  }
  auto sums = b.sums(2);
  std::unique_ptr<typename B::template Fft<T>> plan, tail_plan;
  for (int64_t j0 = 0; j0 < n; j0 += batch) {
    const int64_t nb = std::min(batch, n - j0);
    auto& p = nb == batch ? plan : tail_plan;
    if (!p) p = b.template fft<T>(dims, nb * g.modes());
    copy_bytes(amp.data(), B::memory, pr.amplitudes.data() + j0 * pix, pr.amplitudes.memory(), size_t(nb * pix) * sizeof(float));
    copy_bytes(off.data(), B::memory, offsets.data() + 2 * j0, Memory::host, size_t(2 * nb) * sizeof(int32_t));
    const Complex<T>* pw = probe.data();
    int64_t stride = 0;
    if (off_grid) {
      auto& q = nb == batch ? frame_probes : frame_probes_tail;
      if (!q) q = b.template fft<T>(dims, nb * k);
      copy_bytes(sh.data(), B::memory, shifts.data() + 2 * j0, Memory::host, size_t(2 * nb) * sizeof(T));
      b.for_each(nb * k * pix, ShiftedProbeSpectra<T>{fp.data(), spec.data(), sh.data(), m, pix, k, -1});
      q->inverse(fp.data());
      pw = fp.data(), stride = k * pix;
    }
    b.for_each(nb * g.modes() * pix, BatchWaves<T>{buf.data(), pw, stride, object.data(), off.data(), g});
    p->forward(buf.data());
    b.sum_into(nb * pix, AmplitudeMisfit<T>{buf.data(), amp.data(), valid.data(), g, T(1) / T(m)}, sums, 0);
    b.sum_into(nb * pix, ValidAmplitude{amp.data(), valid.data(), pix}, sums, 1);
  }
  const std::vector<double> s = sums.read();
  const double num = reducer.sum(s[0]), den = reducer.sum(s[1]);
  return den > 0 ? num / den : -1.0;
}

}  // namespace phasis::model
