// The steps of phasing's cycles on one device (phasing.cpp holds the one loop and everything that
// runs once): the CPU (FFTW, OpenMP) in phasing.cpp, a GPU (cuFFT, kernels) in phasing_cuda.cu.
// Every array is n^3 in FFT order; the density, its modulus projection and the support stay on
// the device between steps, so a cycle moves nothing but one error value.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace phasis::spi::detail {

class PhasingEngine {
 public:
  virtual ~PhasingEngine() = default;
  /// amp: the target Fourier amplitudes; measured: where they are imposed; blur: shrink-wrap's
  /// Fourier filter (with the inverse FFT's 1/n^3); rho, support: the start.
  virtual void load(const std::vector<double>& amp, const std::vector<uint8_t>& measured, const std::vector<double>& blur,
                    const std::vector<double>& rho, const std::vector<uint8_t>& support) = 0;
  /// proj = the density whose Fourier amplitudes are amp where measured, phases those of rho's;
  /// returns sum over measured of (|F rho| - amp)^2 when `error` (else 0).
  virtual double modulus(bool error) = 0;
  /// HIO: rho = proj where support and proj >= 0, else rho - beta proj.
  virtual void hio(double beta) = 0;
  /// ER: rho = max(proj, 0) inside the support, 0 outside.
  virtual void er() = 0;
  /// Shrink-wrap: support = (rho blurred) > threshold * its maximum (unchanged if that is <= 0).
  virtual void shrinkwrap(double threshold) = 0;
  virtual void store(std::vector<double>& rho, std::vector<uint8_t>& support) = 0;
};

std::unique_ptr<PhasingEngine> make_cpu_phasing(int64_t n);
/// DeviceError in a build without CUDA.
std::unique_ptr<PhasingEngine> make_cuda_phasing(int device, int64_t n);

}  // namespace phasis::spi::detail
