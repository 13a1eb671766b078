// Atoms container, repetition and validation.
#include "phasis/multislice/atoms.hpp"

#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/coefficient_tables.hpp"  // for kMaxElement

namespace phasis::ms {

void Atoms::add(int atomic_number, double px, double py, double pz) {
  z.push_back(atomic_number);
  x.push_back(px);
  y.push_back(py);
  pos_z.push_back(pz);
}

Atoms repeat(const Atoms& atoms, int nx, int ny, int nz) {
  if (nx < 1 || ny < 1 || nz < 1)
    throw InputError("repeat: expected positive repetitions; found " + std::to_string(nx) + " x " +
                     std::to_string(ny) + " x " + std::to_string(nz));
  Atoms out;
  out.cell = {atoms.cell[0] * nx, atoms.cell[1] * ny, atoms.cell[2] * nz};
  const bool has_sigma = !atoms.sigma.empty();
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i)
        for (int64_t n = 0; n < atoms.size(); ++n) {
          out.add(atoms.z[n], atoms.x[n] + i * atoms.cell[0], atoms.y[n] + j * atoms.cell[1],
                  atoms.pos_z[n] + k * atoms.cell[2]);
          if (has_sigma) out.sigma.push_back(atoms.sigma[n]);
        }
  return out;
}

void check_atoms(const Atoms& atoms) {
  if (atoms.size() == 0) throw InputError("atoms: expected at least one atom; found an empty cell");
  const auto n = std::size_t(atoms.size());
  if (atoms.x.size() != n || atoms.y.size() != n || atoms.pos_z.size() != n ||
      (!atoms.sigma.empty() && atoms.sigma.size() != n))
    throw InputError("atoms: expected one position (and sigma, if any) per atom");
  for (double c : atoms.cell)
    if (!(c > 0))
      throw InputError("cell: expected three positive lengths in Angstrom; found " + std::to_string(atoms.cell[0]) +
                       " x " + std::to_string(atoms.cell[1]) + " x " + std::to_string(atoms.cell[2]));
  for (int zi : atoms.z)
    if (zi < 1 || zi > kMaxElement)
      throw InputError("atoms: expected atomic numbers 1 to 103; found " + std::to_string(zi));
}

}  // namespace phasis::ms
