// The merge's block conjugate gradients, once: L independent systems (S T S + lambda_l) x = S t_l
// sharing every Toeplitz apply. The vectors live where the backend keeps them (V: CpuCgVectors in
// merging.cpp, host arrays; CudaCgVectors in toeplitz_cuda.cu, resident on a GPU, so an iteration
// moves only 2 L scalars). V provides, for the systems still running (active[l]):
//   apply()               q = T p (all L at once)
//   regularise(lambda)    q_l = S (q_l + lambda_l p_l)
//   dots_pq(), dots_rr()  p_l.q_l and r_l.r_l
//   step(alpha)           x_l += alpha_l p_l, r_l -= alpha_l q_l
//   turn(beta)            p_l = r_l + beta_l p_l
// Systems that reach ||r_l|| <= tolerance ||t_l|| stop; the others go on, up to max_iterations.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace phasis::spi::detail {

template <class V>
void block_cg(V& v, const std::vector<double>& lambda, const std::vector<double>& target_norm, std::vector<double>& rr,
              std::vector<int>& iterations, int max_iterations, double tolerance) {
  const size_t L = lambda.size();
  std::vector<char> active(L, 1);
  std::vector<double> alpha(L, 0.0), beta(L, 0.0);
  for (int it = 0; it < max_iterations; ++it) {
    bool any = false;
    for (size_t l = 0; l < L; ++l) {
      active[l] = active[l] && !(std::sqrt(rr[l]) <= tolerance * target_norm[l]);
      any = any || active[l];
    }
    if (!any) break;
    v.apply();
    v.regularise(lambda, active);
    const std::vector<double> pq = v.dots_pq(active);
    for (size_t l = 0; l < L; ++l) alpha[l] = active[l] ? rr[l] / pq[l] : 0.0;
    v.step(alpha, active);
    const std::vector<double> rr_new = v.dots_rr(active);
    for (size_t l = 0; l < L; ++l) {
      if (!active[l]) continue;
      beta[l] = rr_new[l] / rr[l];
      rr[l] = rr_new[l];
      ++iterations[l];
    }
    v.turn(beta, active);
  }
}

}  // namespace phasis::spi::detail
