// phasis.nufft.Plan: the NUFFT plan (phasis/nufft/nufft.hpp) in the interface of FINUFFT's Python
// package: Plan(type, n_modes, n_trans, eps, isign, dtype), setpts(x, y[, z]), execute(data, out).
// Python's axis order: n_modes = (N1, N2[, N3]) is the shape of f (C order, the last axis fastest)
// and x pairs with axis 0. The C++ plan's modes run x fastest, so the Python axes are handed over
// reversed ({N3, N2, N1}, points z, y, x): the same arrays, no transposition, no copy.
// A plan on a GPU (device="cuda[:N]") takes and returns GPU arrays (CuPy, or any DLPack array on that
// GPU) and never copies through the host.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <variant>

#include "common.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/nufft/nufft.hpp"

namespace phasis::py {
namespace {

template <class P> struct RealOf;
template <class T> struct RealOf<std::unique_ptr<nufft::Plan<T>>> { using type = T; };
template <class P> using real_of = typename RealOf<std::remove_cvref_t<P>>::type;

class PyPlan {
 public:
  PyPlan(int type, std::vector<int64_t> n_modes, int64_t n_trans, double eps, std::optional<int> isign,
         const std::string& dtype, const std::string& device, int nthreads, double upsampfac, int modeord) {
    if (type != 1 && type != 2) throw InputError("nufft type: expected 1 or 2; found " + std::to_string(type));
    if (n_modes.size() != 2 && n_modes.size() != 3)
      throw InputError("n_modes: expected 2 or 3 mode counts (N1, N2[, N3]); found " + std::to_string(n_modes.size()));
    if (n_trans < 1) throw InputError("n_trans: expected at least 1; found " + std::to_string(n_trans));
    if (modeord != 0 && modeord != 1) throw InputError("modeord: expected 0 (-N/2 first) or 1 (FFT order); found " + std::to_string(modeord));
    if (dtype == "complex64") double_ = false;
    else if (dtype == "complex128") double_ = true;
    else throw InputError("dtype: expected complex64 or complex128; found '" + dtype + "'");
    // FINUFFT's default signs: +1 for type 1, -1 for type 2.
    const int sign = isign ? *isign : (type == 1 ? +1 : -1);
    nufft::Options o;
    o.device = device_of(device, nthreads);
    o.upsampling = upsampfac;
    o.fft_order = modeord == 1;
    where_ = o.device.is_cuda() ? Where::cuda : Where::host;
    type_ = type;
    modes_ = n_modes;
    n_trans_ = n_trans;
    std::vector<int64_t> reversed(n_modes.rbegin(), n_modes.rend());
    const auto t = type == 1 ? nufft::Type::type1 : nufft::Type::type2;
    gpu_ = o.device.index;
    if (double_) plan_ = std::make_unique<nufft::Plan<double>>(t, reversed, sign, eps, n_trans, o);
    else plan_ = std::make_unique<nufft::Plan<float>>(t, reversed, sign, eps, n_trans, o);
  }

  void setpts(const AnyArray& x, const AnyArray& y, std::optional<AnyArray> z) {
    const size_t d = modes_.size();
    if ((d == 3) != z.has_value())
      throw InputError("setpts: expected " + std::string(d == 3 ? "x, y and z" : "x and y") + " for a plan of " +
                       std::to_string(d) + " dimensions; found " + (z ? "x, y and z" : "x and y"));
    const int64_t m = x.ndim() == 1 ? int64_t(x.shape(0)) : -1;
    std::visit(
        [&](auto& plan) {
          using T = real_of<decltype(plan)>;
          const T* px = array_in<T>(x, "setpts x", {m}, {"M"}, where_);
          const T* py = array_in<T>(y, "setpts y", {m}, {"M"}, where_);
          const T* pz = z ? array_in<T>(*z, "setpts z", {m}, {"M"}, where_) : nullptr;
          nb::gil_scoped_release release;
          // Python's axis 0 pairs with x; the C++ plan's first (fastest) axis is Python's last.
          if (d == 3) plan->set_points(m, pz, py, px);
          else plan->set_points(m, py, px, nullptr);
        },
        plan_);
    points_ = m;
  }

  nb::object execute(const AnyArray& data, std::optional<OutArray> out, bool adjoint) {
    if (points_ < 0) throw InputError("execute: expected points first (setpts); found none");
    // Type 1 reads strengths c and writes modes f; type 2 the reverse; the adjoint swaps them.
    const bool reads_c = (type_ == 1) != adjoint;
    std::vector<int64_t> c_shape{points_}, f_shape(modes_);
    std::vector<std::string> c_names{"M"}, f_names;
    for (size_t i = 0; i < modes_.size(); ++i) f_names.push_back("N" + std::to_string(i + 1));
    if (n_trans_ > 1 || data.ndim() == (reads_c ? 2u : modes_.size() + 1)) {
      c_shape.insert(c_shape.begin(), n_trans_), f_shape.insert(f_shape.begin(), n_trans_);
      c_names.insert(c_names.begin(), "n_trans"), f_names.insert(f_names.begin(), "n_trans");
    }
    const auto& in_shape = reads_c ? c_shape : f_shape;
    const auto& out_shape = reads_c ? f_shape : c_shape;
    return std::visit(
        [&](auto& plan) -> nb::object {
          using T = real_of<decltype(plan)>;
          const char* in_name = reads_c ? "strengths c" : "modes f";
          const char* out_name = reads_c ? "out (modes f)" : "out (strengths c)";
          const Complex<T>* in = array_in<Complex<T>>(data, in_name, in_shape, reads_c ? c_names : f_names, where_);
          nb::object result;
          Complex<T>* dst;
          if (out) {
            dst = array_out<Complex<T>>(*out, out_name, out_shape, reads_c ? f_names : c_names, where_);
            result = nb::cast(*out);
          } else {
            int64_t n = 1;
            std::vector<size_t> shape;
            for (int64_t e : out_shape) n *= e, shape.push_back(size_t(e));
            Array<Complex<T>> a(Shape{n}, where_ == Where::cuda ? Memory::device : Memory::host);
            dst = a.data();
            result = where_ == Where::cuda ? cupy_of(std::move(a), shape) : numpy_of<Complex<T>>(std::move(a), shape);
          }
          Complex<T>* c = reads_c ? const_cast<Complex<T>*>(in) : dst;
          Complex<T>* f = reads_c ? dst : const_cast<Complex<T>*>(in);
          nb::gil_scoped_release release;
          if (adjoint) plan->execute_adjoint(c, f);
          else plan->execute(c, f);
          return result;
        },
        plan_);
  }

  int type() const { return type_; }
  std::vector<int64_t> n_modes() const { return modes_; }
  int64_t n_trans() const { return n_trans_; }
  std::string dtype() const { return double_ ? "complex128" : "complex64"; }
  int64_t points() const { return points_ < 0 ? 0 : points_; }
  std::string spread_method() const {
    return std::visit([](auto& p) { return std::string(p->spread_method()); }, plan_);
  }

 private:
  /// A CuPy array over device memory the capsule owns (the plan's GPU).
  template <class T>
  nb::object cupy_of(Array<Complex<T>>&& a, const std::vector<size_t>& shape) {
    auto* held = new Array<Complex<T>>(std::move(a));
    nb::capsule keep(held, [](void* p) noexcept { delete static_cast<Array<Complex<T>>*>(p); });
    using S = std::complex<T>;
    return nb::cast(nb::ndarray<nb::cupy, S>(reinterpret_cast<S*>(held->data()), shape.size(), shape.data(), keep,
                                             nullptr, nb::dtype<S>(), nb::device::cuda::value, gpu_));
  }

  std::variant<std::unique_ptr<nufft::Plan<float>>, std::unique_ptr<nufft::Plan<double>>> plan_;
  bool double_ = false;
  Where where_ = Where::host;
  int gpu_ = 0;
  int type_ = 1;
  std::vector<int64_t> modes_;
  int64_t n_trans_ = 1;
  int64_t points_ = -1;
};

}  // namespace

void add_nufft(nb::module_& m) {
  nb::class_<PyPlan>(m, "Plan",
                     "A NUFFT plan of type 1 (points -> modes) or 2 (modes -> points) in 2D or 3D, as FINUFFT's:\n"
                     "  f[k] = sum_j c_j exp(isign i k . x_j)   (type 1)\n"
                     "  c_j = sum_k f[k] exp(isign i k . x_j)   (type 2)\n"
                     "n_modes = (N1, N2[, N3]) is f's shape (C order); x pairs with its axis 0. The modes of axis i\n"
                     "run -Ni/2 .. (Ni-1)/2 (modeord=0) or 0 .. Ni/2-1, -Ni/2 .. -1 (modeord=1).\n"
                     "dtype complex64 or complex128 fixes the precision (points then float32 or float64).\n"
                     "device: \"cpu\" (nthreads: 0 all) or \"cuda[:N]\": arrays on that GPU (CuPy, DLPack).")
      .def(nb::init<int, std::vector<int64_t>, int64_t, double, std::optional<int>, const std::string&, const std::string&,
                    int, double, int>(),
           nb::arg("nufft_type"), nb::arg("n_modes"), nb::arg("n_trans") = 1, nb::arg("eps") = 1e-6,
           nb::arg("isign") = nb::none(), nb::arg("dtype") = "complex128", nb::arg("device") = "cpu",
           nb::arg("nthreads") = 0, nb::arg("upsampfac") = 2.0, nb::arg("modeord") = 0)
      .def("setpts", &PyPlan::setpts, nb::arg("x"), nb::arg("y"), nb::arg("z") = nb::none(),
           "Sets the M points (float32 or float64 as the plan, 1-D, on the plan's device); they are copied and sorted.")
      .def(
          "execute", [](PyPlan& p, const AnyArray& data, std::optional<OutArray> out) { return p.execute(data, out, false); },
          nb::arg("data"), nb::arg("out") = nb::none(),
          "Type 1: strengths c (M,) or (n_trans, M) -> modes f (n_modes) or (n_trans, *n_modes); type 2 the reverse.\n"
          "`out` (optional) receives the result in place and is returned; otherwise a new array is.")
      .def(
          "execute_adjoint",
          [](PyPlan& p, const AnyArray& data, std::optional<OutArray> out) { return p.execute(data, out, true); },
          nb::arg("data"), nb::arg("out") = nb::none(),
          "The adjoint transform (the other type with the opposite sign) on the same points.")
      .def_prop_ro("type", &PyPlan::type)
      .def_prop_ro("n_modes", &PyPlan::n_modes)
      .def_prop_ro("n_trans", &PyPlan::n_trans)
      .def_prop_ro("dtype", &PyPlan::dtype)
      .def_prop_ro("points", &PyPlan::points, "M, the number of points set (0 before setpts).")
      .def_prop_ro("spread_method", &PyPlan::spread_method, "\"cpu\", or on a GPU \"shared\" or \"global\".");
}

}  // namespace phasis::py
