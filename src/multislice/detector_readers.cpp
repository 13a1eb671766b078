// The host detectors of detector_readers.hpp: annular and segmented through segmented_detect (an
// annular detector is one ring of one segment), pixelated through pixelated_crop.
#include "multislice/detector_readers.hpp"

#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/diffraction.hpp"

namespace phasis::ms {

DetectorReader::DetectorReader(const Shape& shape) : sums_(shape) { sums_.zero(); }

namespace {

/// Rings x segments sectors between two angles; readings (n, rings * segments), ring-major.
class SectorReader final : public DetectorReader {
 public:
  SectorReader(const Shape& shape, const SegmentedDetector& s, const Grid& g, double energy_ev)
      : DetectorReader(shape), s_(s), grid_(g), energy_(energy_ev) {}
  void add(int64_t first, const Array<double>& patterns, double weight) override {
    const Array<double> v = segmented_detect(patterns, grid_, energy_, s_);
    for (int64_t i = 0; i < v.size(); ++i) sums_[first * v.shape()[1] + i] += weight * v[i];
  }

 private:
  SegmentedDetector s_;
  Grid grid_;
  double energy_;
};

/// The centred pattern cropped to the antialiasing aperture's square.
class PixelatedReader final : public DetectorReader {
 public:
  /// `shape`: the crop (angle_crop_shape: the detector's max_angle, or the aperture's square).
  PixelatedReader(int64_t n, const Grid& g, std::pair<int64_t, int64_t> shape)
      : DetectorReader(Shape{n, shape.first, shape.second}), grid_(g), shape_(shape) {}
  void add(int64_t first, const Array<double>& patterns, double weight) override {
    const Array<double> crop = centred_crop(patterns, grid_, shape_);
    const int64_t frame = sums_.shape()[1] * sums_.shape()[2];
    for (int64_t i = 0; i < crop.size(); ++i) sums_[first * frame + i] += weight * crop[i];
  }

 private:
  Grid grid_;
  std::pair<int64_t, int64_t> shape_;
};

}  // namespace

std::unique_ptr<DetectorReader> make_reader(const Detector& d, const Grid& grid, double energy_ev, int64_t positions) {
  switch (d.type) {
    case DetectorType::annular: {
      SegmentedDetector s = d.ring;
      s.rings = s.segments = 1;
      return std::make_unique<SectorReader>(Shape{positions}, s, grid, energy_ev);
    }
    case DetectorType::segmented:
      return std::make_unique<SectorReader>(Shape{positions, d.ring.rings, d.ring.segments}, d.ring, grid, energy_ev);
    case DetectorType::pixelated:
      return std::make_unique<PixelatedReader>(positions, grid, angle_crop_shape(grid, energy_ev, d.max_angle));
  }
  throw InternalError("detector type: expected annular, segmented or pixelated; found value " +
                      std::to_string(int(d.type)));
}

}  // namespace phasis::ms
