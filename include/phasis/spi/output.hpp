// What `phasis spi reconstruct` writes and `phasis spi compare` reads: an HDF5 model file
//   density, autocorrelation, merged (float32, n^3, centred; attribute voxel in A), support (uint8)
//   orientations (float64, images x 3 x 3), reference_index (int32, images)
//   generations/{matching_distance, lambda, cg_residual, cg_iterations, phasing_error, max_frequency,
//                seconds_matching, seconds_merging, seconds_phasing} (one value per generation)
//   generations/lcurve_{lambda, misfit, deviation} (generations x lambdas)
//   parameters (attribute: every setting as JSON), input (attribute: the data file)
// a CCP4/MRC map of the density (gemmi), and PNGs: central slices and projections of the density
// along z, y and x, side by side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/spi/compare.hpp"
#include "phasis/spi/mtip.hpp"

namespace phasis::spi {

struct ModelFile {
  int64_t n = 0;
  double voxel = 0;
  std::vector<double> density;
  std::vector<Rotation> orientations;
};

void write_model(const std::string& path, const MtipResult& result, const std::string& input,
                 const std::string& parameters_json);
/// InputError naming the dataset on anything missing or of the wrong shape.
ModelFile read_model(const std::string& path);

/// A checkpoint (`--checkpoint-every`): a model file whose volumes are in double, so that a run
/// resumed from it (MtipSettings::resume) continues bit for bit; `phasis spi compare` reads it as
/// a model. read_checkpoint gives back the state: metrics, volumes, support, orientations.
void write_checkpoint(const std::string& path, const MtipResult& state, const std::string& input,
                      const std::string& parameters_json);
MtipResult read_checkpoint(const std::string& path);

/// CCP4/MRC map (mode 2, float32) of an n^3 centred density; InputError without gemmi.
void write_mrc(const std::string& path, const std::vector<double>& density, int64_t n, double voxel);

/// stem_slices.png (central sections) and stem_projections.png (sums along z, y, x).
void write_density_pictures(const std::string& stem, const std::vector<double>& density, int64_t n);
/// FSC curve with the 0.5 and 0.143 thresholds.
void write_fsc_picture(const std::string& path, const FscCurve& fsc);

}  // namespace phasis::spi
