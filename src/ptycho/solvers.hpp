// The registry of ptychography solvers: one line per solver, naming it, its factory and its
// options type (for default_solver_options). Adding a
// solver is its own folder (src/ptycho/<name>/: the class, deriving Solver<B, T>, and its
// factory) and one line here; the driver, the distributed runs, the CLI's --algorithm and the
// instantiations for every backend pick it up from this table.
#pragma once

#include "ptycho/dm/difference_map.hpp"
#include "ptycho/lsqml/lsqml.hpp"
#include "ptycho/ml/maximum_likelihood.hpp"
#include "ptycho/pie/pie.hpp"
#include "ptycho/solver.hpp"

namespace phasis {

template <class B, class T>
inline constexpr SolverEntry<B, T> kSolvers[] = {
    {"dm", &dm::make_solver<B, T>, &default_options_of<DmOptions>},  // Difference Map (Thibault et al. 2008), dm/
    {"raar", &dm::make_raar<B, T>, &default_options_of<RaarOptions>},  // RAAR (Luke 2005), dm/
    {"er", &dm::make_er<B, T>, &default_options_of<DmOptions>},        // error reduction, dm/
    {"epie", &pie::make_epie<B, T>, &default_options_of<EpieOptions>},  // ePIE (Maiden & Rodenburg 2009), pie/
    {"rpie", &pie::make_rpie<B, T>, &default_options_of<RpieOptions>},  // rPIE (Maiden, Johnson & Li 2017), pie/
    {"ml", &ml::make_solver<B, T>, &default_options_of<MlOptions>},  // maximum likelihood (Thibault & Guizar-Sicairos 2012), ml/
    {"lsqml", &lsqml::make_solver<B, T>, &default_options_of<LsqmlOptions>},  // least-squares ML (Odstrcil et al. 2018), lsqml/
};

}  // namespace phasis
