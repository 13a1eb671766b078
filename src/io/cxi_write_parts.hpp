// The parts of a CXI file (phasis/io/cxi.hpp) that write_cxi and the SWMR writer
// (cxi_swmr_writer.hpp) write alike, so that a file written all at once and one written frame by
// frame differ only in how their frames' datasets are stored.
#pragma once

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/ptycho/dataset.hpp"

namespace phasis::cxi {

/// The version scalars, the NeXus groups, the geometry, the mask (from `valid`, 1 = good pixel;
/// empty: none) and the probe (empty: none). The caller has checked the values.
void write_scan_parts(h5::File& f, const PtychoGeometry& g, const Array<uint8_t>& valid, const Array<Complex<float>>& probe,
                      bool with_truth);
/// The attributes and links of the frames' and translations' datasets, once both exist.
void describe_frames(h5::File& f);

}  // namespace phasis::cxi
