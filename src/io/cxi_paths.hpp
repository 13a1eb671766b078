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
// A file written while it is read (SWMR, cxi_follow.hpp): one-element int32 datasets the writer
// updates after each batch of frames. frames_written counts the frames whose intensities and
// translation are both written (it is flushed after them); scan_finished becomes 1 after the last.
inline constexpr const char* kFramesWritten = "entry_1/data_1/frames_written";
inline constexpr const char* kScanFinished = "entry_1/data_1/scan_finished";
inline constexpr const char* kTruth = "entry_1/phasis_truth";
inline constexpr const char* kTruthObject = "entry_1/phasis_truth/object";
inline constexpr const char* kTruthProbe = "entry_1/phasis_truth/probe";
inline constexpr const char* kTruthOrigin = "entry_1/phasis_truth/object_origin";

}  // namespace phasis::cxi
