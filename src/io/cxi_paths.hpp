// Dataset paths of the CXI layout documented in include/phasis/io/cxi.hpp, shared by the reader and
// the writer so that the two cannot drift apart.
#pragma once

namespace phasis::cxi {

inline constexpr const char* kData = "entry_1/data_1/data";
inline constexpr const char* kTranslation = "entry_1/sample_1/geometry_1/translation";
inline constexpr const char* kEnergy = "entry_1/instrument_1/source_1/energy";
inline constexpr const char* kDistance = "entry_1/instrument_1/detector_1/distance";
inline constexpr const char* kPixelX = "entry_1/instrument_1/detector_1/x_pixel_size";
inline constexpr const char* kPixelY = "entry_1/instrument_1/detector_1/y_pixel_size";
inline constexpr const char* kMask = "entry_1/instrument_1/detector_1/mask";
inline constexpr const char* kIllumination = "entry_1/instrument_1/source_1/illumination";
inline constexpr const char* kProbeData = "entry_1/probe_1/data";  // where other writers keep a probe
// Where a probe is looked for, in this order (the first present is used and named).
inline constexpr const char* kProbeLocations[] = {kIllumination, kProbeData};
inline constexpr const char* kTruth = "entry_1/phasis_truth";
inline constexpr const char* kTruthObject = "entry_1/phasis_truth/object";
inline constexpr const char* kTruthProbe = "entry_1/phasis_truth/probe";
inline constexpr const char* kTruthOrigin = "entry_1/phasis_truth/object_origin";

}  // namespace phasis::cxi
