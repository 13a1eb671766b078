// The contents of a simulation's HDF5 file (outputs.hpp: the layout), shared by write_simulation
// and the batch-by-batch StemFileWriter.
#pragma once

#include <string>

#include "phasis/io/hdf5.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

/// Everything of the layout into `file`; `streamed`: STEM's positions, per-position readings,
/// mean pattern and aperture losses are written by StemFileWriter and left out here.
void write_contents(h5::File& file, const Simulation& s, const SimulationResult& r, const std::string& parameters_json,
                    bool streamed);

}  // namespace phasis::ms
