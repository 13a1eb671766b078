// Inputs the fuzz targets (fuzz/, scripts/fuzz) found to crash a reader or to reach undefined
// behaviour, each now rejected with one InputError line. Text inputs are written here; binary ones
// (HDF5) are files under tests/data/fuzz/. The fuzz corpus holds the same inputs for the targets.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <hdf5.h>

#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/multislice/config.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/multislice/structure.hpp"
#include "phasis/multislice/xyz.hpp"
#include "testing.hpp"

using namespace phasis;

namespace {

/// The InputError's message of parse_xyz(text); fails the test when it does not throw one.
std::string xyz_error(const std::string& text) {
  std::istringstream in(text);
  try {
    (void)ms::parse_xyz(in, "t.xyz");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for:\n" << text;
  return "";
}

std::string config_error(const std::string& text) {
  phasis::testing::TempDir dir;
  const std::string path = dir.file("c.toml");
  std::ofstream(path) << text;
  try {
    (void)ms::read_ms_config(path);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for:\n" << text;
  return "";
}

void expect_one_line(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace

TEST(FuzzFindings, XyzNegativeColumnCountIsRejected) {
  // A count of -5 put the position columns before the line's start: a read out of bounds.
  expect_one_line(xyz_error("1\nProperties=species:S:-5:pos:R:3\nSi 0 0 0\n"), "column count from 1");
  expect_one_line(xyz_error("1\nProperties=species:S:1:pos:R:2147483647\nSi 0 0 0\n"), "column count from 1");
}

TEST(FuzzFindings, XyzLongAtomicNumberIsRejected) {
  // std::stoi threw std::out_of_range (an internal error) for a number of more digits than an int.
  expect_one_line(xyz_error("1\n\n99999999999 0 0 0\n"), "element symbol or atomic number");
  expect_one_line(xyz_error("1\n\n200 0 0 0\n"), "atomic number");
}

TEST(FuzzFindings, XyzNonFiniteValuesAreRejected) {
  expect_one_line(xyz_error("1\n\nSi nan 0 0\n"), "finite number for the position");
  expect_one_line(xyz_error("1\n\nSi 0 inf 0\n"), "finite number for the position");
  // A NaN in the lattice is refused already by the number parser (one line naming Lattice).
  expect_one_line(xyz_error("1\nLattice=\"nan 0 0 0 1 0 0 0 1\"\nSi 0 0 0\n"), "Lattice");
  expect_one_line(xyz_error("1\nLattice=\"-2 0 0 0 1 0 0 0 1\"\nSi 0 0 0\n"), "cell lengths > 0");
}

TEST(FuzzFindings, ConfigIntegerArraysAreWholeAndInRange) {
  // repeat = [1e30, ...] and gpts = [nan, ...] were cast to integers: undefined behaviour.
  const std::string head = "[structure]\ncrystal = \"Si\"\n";
  expect_one_line(config_error(head + "repeat = [1e30, 1, 1]\n[potential]\nsampling = 0.1\n"), "whole numbers");
  expect_one_line(config_error(head + "repeat = [2.5, 1, 1]\n[potential]\nsampling = 0.1\n"), "found 2.5");
  expect_one_line(config_error(head + "[potential]\ngpts = [nan, 64]\n"), "whole numbers");
  expect_one_line(config_error(head + "[potential]\nsampling = 0.1\n[scan]\ngpts = [inf, 4]\n"), "whole numbers");
  // Whole numbers written as floats still read.
  phasis::testing::TempDir dir;
  std::ofstream(dir.file("ok.toml")) << head << "repeat = [2.0, 1, 3]\n[potential]\ngpts = [32.0, 16]\n";
  const ms::MsConfig c = ms::read_ms_config(dir.file("ok.toml"));
  EXPECT_EQ(c.repeat[0], 2);
  EXPECT_EQ(c.repeat[2], 3);
  EXPECT_EQ((*c.gpts)[0], 32);
}

TEST(FuzzFindings, PdbRecordNamesAreAsciiAndNulIsRefused) {
  if (!ms::structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  phasis::testing::TempDir dir;
  const std::string atom =
      "ATOM      1  N   ALA A   1       1.000   2.000   3.000  1.00 10.00           N\n";
  auto error_of = [&](const std::string& text) {
    const std::string path = dir.file("m.pdb");
    std::ofstream(path, std::ios::binary) << text;
    try {
      (void)ms::read_atoms(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << "no InputError";
    return std::string();
  };
  // A record name "AT\xff\xff..." reached a left shift of a negative char inside gemmi (UBSan).
  expect_one_line(error_of(atom + "AT\xff\xff\xff\xff 2 C\n"), "found byte 0xff at line 2, column 3");
  expect_one_line(error_of(atom + std::string("ATOM  \0", 7) + "\n"), "found byte 0x00 at line 2, column 7");
  // A residue name "\xca.." reached the same shift through gemmi::Residue::is_water.
  expect_one_line(error_of(atom + "ATOM      2  C   \xcaLA A   1       1.000   2.000   3.000  1.00 10.00           C\n"),
                  "found byte 0xca at line 2, column 18");
  // Free text may hold any byte but NUL: a UTF-8 remark still reads.
  const std::string path = dir.file("ok.pdb");
  std::ofstream(path) << "REMARK   1 AUTHOR J. M\xc3\xbcller\n" << atom << "END\n";
  EXPECT_EQ(ms::read_atoms(path).size(), 1u);
}

TEST(FuzzFindings, Hdf5StorageIsCheckedBeforeReading) {
  // A chunk of 247 frames in a dataset of 4 (fixed dimensions): libhdf5 overflowed a heap buffer
  // inside H5Dread (ASan). The input is in the fuzz corpus.
  const std::string damaged = std::string(PHASIS_TEST_DATA) + "/../../fuzz/corpus/fuzz_cxi/finding_chunk_beyond_extent.cxi";
  try {
    (void)CxiReader(damaged).read_all();
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "expected chunks within the dataset's fixed dimensions; found a chunk of 247");
  }
  // A contiguous dataset created and never written reads as fill values: refused, not zeros.
  phasis::testing::TempDir dir;
  const std::string path = dir.file("unwritten.h5");
  {
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {3, 4};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t d = H5Dcreate2(f, "values", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d), H5Sclose(space), H5Fclose(f);
  }
  try {
    (void)h5::File::open_read(path).read_array<float>("values");
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "expected 48 bytes of stored data (12 elements); found 0 (a dataset never written)");
  }
}

TEST(FuzzFindings, AFileThatCrashesLibhdf5IsADamagedFile) {
  // A corrupt local heap: libhdf5 1.10 read through a null pointer looking up a dataset's path
  // (H5Lexists -> H5G__stab_lookup -> H5F__accum_read). The lookups now run in a child first.
  const std::string damaged = std::string(PHASIS_TEST_DATA) + "/../../fuzz/corpus/fuzz_cxi/finding_heap_lookup_crash.cxi";
  try {
    (void)CxiReader(damaged);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "expected a readable HDF5 file; found a damaged one");
  }
  // --probe FILE's reader looks up other paths, which this file's heap does not break: one line.
  EXPECT_THROW((void)read_probe_file(damaged, 16), InputError);
}

TEST(FuzzFindings, AFileOnWhichLibhdf5LoopsIsADamagedFile) {
  // fuzz_cxi, 2026-12-04: on this file libhdf5's metadata walk never ends (phasis ptycho
  // reconstruct ran for ten minutes). The walk in the child now has a time limit.
  const std::string damaged = std::string(PHASIS_TEST_DATA) + "/../../fuzz/corpus/fuzz_cxi/finding_metadata_hang.cxi";
  setenv("PHASIS_HDF5_CHECK_SECONDS", "1", 1);
  try {
    (void)CxiReader(damaged);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "reading its metadata did not end within 1 s");
  }
  unsetenv("PHASIS_HDF5_CHECK_SECONDS");
}

TEST(FuzzFindings, AnSpiDatasetWhoseShapeAsksForMoreThanTheFreeMemoryIsRefused) {
  // fuzz_spi_dataset, 2026-12-04: a 20 KB file whose spi/intensities claims 309 GB; the reader
  // allocated it (std::bad_alloc, or ASan's abort). Now refused against the free memory first.
  const std::string damaged = std::string(PHASIS_TEST_DATA) + "/../../fuzz/corpus/fuzz_spi_dataset/finding_huge_shape.h5";
  try {
    (void)spi::read_dataset_part(damaged, 0, -1);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "expected images that fit the free memory");
  }
}

TEST(FuzzFindings, MmcifIntegersOfTenDigitsAreRefused) {
  if (!ms::structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  // gemmi converts label_seq_id (and other integer fields) to int unchecked: ten digits overflowed.
  phasis::testing::TempDir dir;
  const std::string path = dir.file("m.cif");
  std::ofstream(path) << "data_m\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n"
                         "_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n"
                         "_atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n"
                         "ATOM 1 C CA ALA A -9999999999 1.0 2.0 3.0\n";
  try {
    (void)ms::read_atoms(path);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "expected numbers below 10^9 in its fields; found '-9999999999'");
  }
  // The same file with a sequence number of 9 digits reads.
  std::ofstream(path) << "data_m\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n"
                         "_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n"
                         "_atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n"
                         "_atom_site.auth_seq_id\n_atom_site.label_alt_id\n_atom_site.occupancy\n"
                         "_atom_site.B_iso_or_equiv\n"
                         "ATOM 1 C CA ALA A 999999999 1.0 2.0 3.0 999999999 . 1.0 10.0\n";
  EXPECT_EQ(ms::read_atoms(path).size(), 1u);
}

TEST(FuzzFindings, ShortPdbLinesArePaddedForGemmi) {
  if (!ms::structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  // A LINK record of 75 characters: gemmi read its distance field (columns 74-78) past the line's
  // end, a heap overflow under ASan (scripts/sanitize runs this test so); padded now to 80 columns.
  phasis::testing::TempDir dir;
  const std::string path = dir.file("link.pdb");
  std::string link = "LINK         O   ALA A   1                 N   ALA A   2     1555   1555  1";
  ASSERT_EQ(link.size(), 75u);
  std::ofstream(path) << "ATOM      1  N   ALA A   1       1.000   2.000   3.000  1.00 10.00           N\n"
                      << "ATOM      2  O   ALA A   1       2.000   2.000   3.000  1.00 10.00           O\n"
                      << link << "\nEND\n";
  EXPECT_EQ(ms::read_atoms(path).size(), 2u);
  // A remark longer than 80 columns whose 82nd byte is UTF-8: gemmi took the rest for a record.
  std::ofstream(path) << "REMARK   1 " << std::string(71, 'x') << "\xe0\xa0\x80 more\n"
                      << "ATOM      1  N   ALA A   1       1.000   2.000   3.000  1.00 10.00           N\nEND\n";
  EXPECT_EQ(ms::read_atoms(path).size(), 1u);
}

TEST(FuzzFindings, CifSymmetryOperationsWithHugeNumbersAreRefused) {
  if (!ms::structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  // gemmi::parse_triplet multiplied "x-2222222222222222222" by its denominator in an int (UBSan).
  phasis::testing::TempDir dir;
  const std::string path = dir.file("gan.cif");
  std::ofstream(path) << "data_GaN\n_cell_length_a 3.189\n_cell_length_b 3.189\n_cell_length_c 5.185\n"
                         "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
                         "loop_\n_space_group_symop_operation_xyz\n'x,y,z' 'x-2222222222222222222,y,z'\n"
                         "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                         "_atom_site_fract_z\nGa Ga 0.3333 0.6667 0\n";
  try {
    (void)ms::read_atoms(path);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "numbers of at most 4 digits");
  }
}

TEST(FuzzFindings, PdbDbref2NumbersOfTenDigitsAreRefused) {
  if (!ms::structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  // gemmi reads DBREF2's 10-column sequence numbers into an int: ten digits overflowed (UBSan).
  phasis::testing::TempDir dir;
  const std::string path = dir.file("m.pdb");
  std::string dbref(80, ' ');
  dbref.replace(0, 6, "DBREF2"), dbref.replace(45, 10, "6666666666"), dbref.replace(57, 10, "6666666666");
  std::ofstream(path) << dbref << "\n"
                      << "ATOM      1  N   ALA A   1       1.000   2.000   3.000  1.00 10.00           N\nEND\n";
  try {
    (void)ms::read_atoms(path);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    expect_one_line(e.what(), "expected DBREF2 sequence numbers below 10^9; found '6666666666' at line 1");
  }
}
