// The reconstruction file: object, probe, error history, geometry and every parameter used, plus
// PNG pictures beside it. Written to a temporary name and renamed, so a failure never leaves a
// half-written file.
//   object            H x W complex       object_origin   (y, x) object pixel of object[0, 0]
//   probe             M x M complex       pixel_size      (y, x) object pixel size, m
//   fourier_error     per iteration       iteration_seconds
//   offsets           N x 2 frame corners in the object array
//   positions_given, positions  N x 2 frame corners in object pixels (y, x) as given and as the
//                     solver left them (sub-pixel, refined), when it reports them (ePIE, rPIE)
//   attributes on /: phasis_version, algorithm, device, precision, input, parameters (JSON)
#pragma once

#include <string>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

struct Reconstruction {
  Array<Complex<double>> object, probe;
  double origin_y = 0, origin_x = 0;
  double pixel_y_m = 0, pixel_x_m = 0;  // object pixel size; 0 when the file does not say
  Array<double> errors;  // per iteration
};

/// The factor OUT_positions.png draws position changes by (sub-pixel moves become visible).
inline constexpr double kPositionExaggeration = 10;

/// The picture of refined positions: a blue dot at each given position and a red line to the
/// refined one, its length multiplied by `exaggeration` (N x 2 object pixels each).
void write_positions_picture(const std::string& path, const Array<double>& given, const Array<double>& refined,
                             double exaggeration);

/// Writes the result file. `parameters_json` records every option as the run used it.
void write_reconstruction(const std::string& path, const DmResult& result, const PtychoProblem& problem,
                          const std::string& input, const std::string& parameters_json);

/// A checkpoint: the state of a run in progress (SolverStart: object and probe modes, for dm, raar
/// and er the exit waves, the chain's stage and iteration, the errors and times so far) in the
/// run's precision, with the object's origin and pixel size; written through a temporary name so a
/// crash mid-write leaves the previous checkpoint. read_start() reads it back for --resume;
/// read_reconstruction() reads its object, so compare measures it.
//   object, probe, object_origin, pixel_size, fourier_error, iteration_seconds: as in a result
//   exit_waves        N x (K L) x M x M complex (absent: only object and probe were saved)
//   occupancy         K probe-mode occupancies
//   checkpoint_stage, checkpoint_iteration   the stage (0-based) and its iterations done
//   attributes on /: checkpoint (in words), algorithm, precision, input
struct CheckpointInfo {
  double origin_y = 0, origin_x = 0, pixel_y_m = 0, pixel_x_m = 0;
  std::string algorithm, precision = "float", input;
};
void write_checkpoint(const std::string& path, const SolverStart& state, const CheckpointInfo& info);

/// Where a run resumed from `path` starts: a checkpoint's whole state (with its algorithm in
/// `algorithm`), or a result's object (every mode) and probe as a fresh start (stage and
/// iteration 0, `algorithm` empty). InputError for a file that is neither, or holds non-finite values.
SolverStart read_start(const std::string& path, std::string* algorithm = nullptr);

/// Reads back what compare needs: object and its origin.
Reconstruction read_reconstruction(const std::string& path);

/// PNGs next to `path` (its name without extension + _object_phase.png, _object_amplitude.png,
/// _probe.png, and _error.png with two or more iterations: the error per iteration on a log scale,
/// a grey line per decade). With `problem` (its offsets: the frames of the whole scan), the object
/// pictures show only the lit region (where the frames' summed probe intensity passes 1% of its
/// peak), and their grey scale comes from it. Returns the common prefix.
std::string write_reconstruction_pictures(const std::string& path, const DmResult& result,
                                          const PtychoProblem* problem = nullptr);

/// Replaces the extension: "out/run.h5" -> "out/run".
std::string path_stem(const std::string& path);

}  // namespace phasis
