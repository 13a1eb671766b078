// The maximum-likelihood solver's one-dimensional minimisation (src/ptycho/ml/line_search.hpp) on
// functions whose minima are known: a quadratic (one Newton step), a quartic, a start where the
// curvature is negative, a cost that becomes infinite past a point (a log barrier, as the Poisson
// cost does where a model intensity would vanish), and a direction that does not descend.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ptycho/ml/line_search.hpp"

using phasis::ml::LinePoint;
using phasis::ml::minimise_along_line;

namespace {

/// f(g) = sum_i a_i g^i for i <= 4, with its derivatives.
struct Quartic {
  double a0, a1, a2, a3, a4;
  LinePoint operator()(double g) const {
    return {g, a0 + g * (a1 + g * (a2 + g * (a3 + g * a4))), a1 + g * (2 * a2 + g * (3 * a3 + g * 4 * a4)),
            2 * a2 + g * (6 * a3 + g * 12 * a4)};
  }
};

}  // namespace

TEST(MlLineSearch, QuadraticTakesOneNewtonStep) {
  const Quartic f{3, -4, 0.5, 0, 0};  // minimum at 4
  const auto o = minimise_along_line(f, 4, 1e-6, 1.0);
  EXPECT_EQ(o.evaluations, 1);
  EXPECT_NEAR(o.best.gamma, 4.0, 1e-12);
  EXPECT_TRUE(o.moved());
}

TEST(MlLineSearch, QuarticConvergesToItsMinimum) {
  const Quartic f{16, -32, 24, -8, 1};  // (g - 2)^4: minimum at 2, flat there
  const auto o = minimise_along_line(f, 40, 1e-9, 1.0);
  EXPECT_NEAR(o.best.gamma, 2.0, 3e-3);  // Newton converges linearly (ratio 2/3) at a triple root of f'
  EXPECT_LE(std::abs(o.best.slope), 1e-9 * 32);
  const Quartic h{0, -1, 3, 0, 2};  // convex: f' = -1 + 6 g + 8 g^3 = 0 at g = 0.15982...
  const auto p = minimise_along_line(h, 10, 1e-10, 1.0);
  EXPECT_NEAR(-1 + 6 * p.best.gamma + 8 * std::pow(p.best.gamma, 3), 0.0, 1e-9);
  EXPECT_LE(p.evaluations, 4);  // quadratic convergence
}

TEST(MlLineSearch, NegativeCurvatureAtTheStartUsesTheGuess) {
  const Quartic f{0, -0.1, -1, 0, 1};  // f'' < 0 at 0; minimum where -0.1 - 2 g + 4 g^3 = 0
  const auto o = minimise_along_line(f, 20, 1e-10, 0.25);
  EXPECT_NEAR(-0.1 - 2 * o.best.gamma + 4 * std::pow(o.best.gamma, 3), 0.0, 1e-9);
  EXPECT_GT(o.best.gamma, 0.7);
  EXPECT_LT(o.best.value, f(0).value);
}

TEST(MlLineSearch, InfiniteCostBoundsTheBracket) {
  // f(g) = -2 g - log(1 - g) for g < 1, infinite beyond: f' = -2 + 1 / (1 - g) = 0 at g = 0.5.
  auto f = [](double g) {
    if (g >= 1) return LinePoint{g, std::numeric_limits<double>::infinity(), std::nan(""), std::nan("")};
    return LinePoint{g, -2 * g - std::log(1 - g), -2 + 1 / (1 - g), 1 / ((1 - g) * (1 - g))};
  };
  const auto o = minimise_along_line(f, 20, 1e-10, 4.0);  // f'(0) = -1, f''(0) = 1: the first step lands on the barrier
  EXPECT_NEAR(o.best.gamma, 0.5, 1e-8);
  EXPECT_TRUE(std::isfinite(o.best.value));
}

TEST(MlLineSearch, NoDescentEvaluatesNothing) {
  const Quartic f{1, 0.5, 1, 0, 0};  // slope > 0 at 0
  const auto o = minimise_along_line(f, 4, 1e-3, 1.0);
  EXPECT_EQ(o.evaluations, 0);
  EXPECT_FALSE(o.moved());
  EXPECT_EQ(o.best.gamma, 0.0);
}
