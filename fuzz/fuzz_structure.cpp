// Fuzzes the structure readers: XYZ / extended XYZ (multislice/xyz.hpp), PDB, mmCIF and
// small-molecule CIF through gemmi (multislice/structure.hpp), VASP POSCAR (multislice/poscar.hpp),
// the crystals' orthogonal cells along [001] and [110] (multislice/crystal.hpp: orient), each
// reached through the SPI molecule reader
// (spi/simulate.hpp: read_molecule = read_atoms + IT92 form factors), which is what
// `phasis spi simulate` and `phasis multislice run` open. The first byte picks the format (the
// readers choose by extension); the rest is the file. InputError is a clean rejection; anything
// else is a finding.
#include <cstdint>

#include "fuzz_input.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/structure.hpp"
#include "phasis/spi/simulate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static phasis::fuzz::InputFile xyz(".xyz"), pdb(".pdb"), cif(".cif"), vasp(".vasp");
  if (size == 0) return 0;
  // '0' xyz, '1' pdb, '2' cif, '3' vasp as the seeds' first byte.
  phasis::fuzz::InputFile* files[] = {&xyz, &pdb, &cif, &vasp};
  const std::string& path = files[data[0] % 4]->write(data + 1, size - 1);
  try {
    phasis::ms::Atoms atoms = phasis::ms::read_atoms(path);
    phasis::ms::center_in_box(atoms, 2.0);
  } catch (const phasis::InputError&) {
  }
  try {
    if (auto crystal = phasis::ms::read_crystal(path)) {
      phasis::ms::OrientOptions small;
      small.max_repetitions = 3;  // the search is cubic in this: keep each input fast
      (void)phasis::ms::orient(*crystal, {1, 1, 0}, small);
    }
  } catch (const phasis::InputError&) {
  }
  try {
    (void)phasis::spi::read_molecule(path, 1.0);
  } catch (const phasis::InputError&) {
  }
  return 0;
}
