// STEM as chunks on the queue (stem_queue.cpp); ms::run's STEM strategy.
#pragma once

#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/multislice/execution.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

/// Runs `t`'s chunks as `c` cuts them and fills `r`: readings, lost_beyond_aperture (when
/// `measure`: t's last detector reads the whole aperture), mean_pattern, timings summed over the
/// workers, batches_done. Rank 0 alone receives results; other ranks' `r` stays empty.
void run_stem_queue(const Simulation& t, bool measure, const Chunking& c, Precision precision, exec::EventSink* events,
                    const RunControl& control, SimulationResult& r);

}  // namespace phasis::ms
