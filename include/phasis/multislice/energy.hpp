// Relativistic electron wavelength and interaction parameter (Kirkland 2010, ch. 2 and 5).
// Units: energy E in eV (kinetic), lengths in Angstrom, potentials in volts.
//   lambda = h c / sqrt(E (2 m0 c^2 + E))
//   sigma  = 2 pi m e lambda / h^2 = (2 pi / (lambda E)) (m0 c^2 + E) / (2 m0 c^2 + E)   [rad / (V Angstrom)]
// A slice with projected potential v_z [V Angstrom] shifts the phase by sigma v_z.
#pragma once

namespace phasis::ms {

constexpr double kPi = 3.14159265358979323846;
constexpr double kHc = 12398.419843320026;      // h c [eV Angstrom] (CODATA 2018)
constexpr double kElectronRest = 510998.95000;  // m0 c^2 [eV] (CODATA 2018)
constexpr double kBohr = 0.529177210903;        // a0 [Angstrom] (CODATA 2018)
constexpr double kCoulomb = 14.399645478425668;  // e / (4 pi eps0) [V Angstrom]: e^2/(4 pi eps0) in eV Angstrom
/// a0 e in V Angstrom^2: 2 pi a0 e converts a scattering factor [Angstrom] to a potential integral.
constexpr double kBohrE = kBohr * kCoulomb;

/// Relativistic wavelength [Angstrom]. Throws InputError unless energy > 0.
double wavelength(double energy_ev);
/// Interaction parameter sigma [rad / (V Angstrom)]. Throws InputError unless energy > 0.
double interaction_parameter(double energy_ev);

}  // namespace phasis::ms
