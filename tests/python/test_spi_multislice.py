# phasis.spi and phasis.multislice against the CLI on the same tiny inputs (the cases of
# test_cli_spi and test_cli_multislice): the same snapshots, densities and detector readings.
import math

import numpy as np
import pytest

import phasis
from phasis import multislice, spi

h5py = pytest.importorskip("h5py")


def write_pdb(path, atoms=24):
    """24 C, N and O atoms on a skewed spiral (no symmetry), as test_cli_spi writes them."""
    el = ["C", "N", "O"]
    with open(path, "w") as f:
        for i in range(atoms):
            t = 0.7 * i
            x, y, z = 6 * math.cos(t) + 0.3 * i, 5 * math.sin(t), 0.6 * i - 7
            e = el[i % 3]
            f.write("ATOM  %5d  %-3s ALA A%4d    %8.3f%8.3f%8.3f  1.00 20.00          %2s\n" % (i + 1, e, i // 10 + 1, x, y, z, e))
        f.write("END\n")


SIM = dict(images=40, pixels=16, pixel_size=4e-3, distance=0.1, energy=6199.2)
SIM_CLI = ["--images", 40, "--pixels", 16, "--pixel-size", 4e-3, "--distance", 0.1, "--energy", 6199.2, "-q"]
REC = dict(grid=16, references=300, generations=2, phasing_cycles=2, hio=10, er=5, cg_iterations=10, threads=2)
REC_CLI = ["--grid", 16, "--references", 300, "--generations", 2, "--phasing-cycles", 2, "--hio", 10, "--er", 5,
           "--cg-iterations", 10, "--threads", 2, "-q", "--no-pictures"]


def test_spi_equals_the_cli(cli, tmp_path):
    pdb, data, model = tmp_path / "m.pdb", tmp_path / "d.h5", tmp_path / "model.h5"
    write_pdb(pdb)
    cli("spi", "simulate", pdb, "-o", data, *SIM_CLI)
    d = spi.simulate(str(pdb), **SIM)
    with h5py.File(data, "r") as f:
        np.testing.assert_array_equal(d.intensities, f["spi/intensities"][()])
        np.testing.assert_array_equal(d.orientations, f["truth/orientations"][()])
    assert not d.intensities.flags.owndata

    cli("spi", "reconstruct", data, "-o", model, *REC_CLI)
    r = spi.reconstruct(str(data), **REC)
    with h5py.File(model, "r") as f:
        density = f["density"][()]
    # The same code on the same images with the same threads: the same density to the last bit of
    # the file's float32.
    np.testing.assert_array_equal(r.density.astype(np.float32), density)
    assert len(r.generations) == 2
    np.testing.assert_array_equal(spi.reconstruct(d, **REC).density, r.density)

    text = cli("spi", "compare", model, data, "--no-pictures").stdout
    c = spi.compare(r, d)
    assert f"FSC 0.5: {c.resolution_05:.3g} A" in text or "better than" in text
    assert f"median error {c.median_orientation_error * 180 / math.pi:.3g} deg" in text

    with pytest.raises(phasis.InputError, match="b_factor: expected a B > 0"):
        spi.simulate(str(pdb), b_factor=0, **SIM)
    with pytest.raises(phasis.InputError, match="no such file"):
        spi.reconstruct(str(tmp_path / "none.h5"), **REC)


STEM = """energy = 200e3
[structure]
{structure}
repeat = [1, 1, 2]
[potential]
parametrization = "lobato"
gpts = [32, 32]
slice_thickness = 1.3575
[wave]
type = "probe"
semiangle = 20
[scan]
type = "grid"
gpts = [2, 2]
[[detector]]
name = "BF"
inner = 0
outer = 20
[[detector]]
type = "pixelated"
name = "4D"
[run]
device = "cpu"
batch = 4
"""


def test_multislice_equals_the_cli(cli, tmp_path):
    config = tmp_path / "si.toml"
    config.write_text(STEM.format(structure='crystal = "Si"'))
    out = tmp_path / "si.h5"
    cli("multislice", "run", config, "-o", out, "--no-pictures")
    with h5py.File(out, "r") as f:
        bf, px = f["stem/BF"][()], f["stem/4D"][()]
    r = multislice.run(str(config))
    np.testing.assert_array_equal(r.readings["BF"], bf)
    np.testing.assert_array_equal(r.readings["4D"], px)
    assert tuple(r.scan_shape) == (2, 2)

    # The same crystal as atoms from arrays, the config naming no structure.
    si = multislice.crystal("Si")
    atoms = multislice.Atoms(np.array(si.numbers, np.int32), np.stack([si.x, si.y, si.z], axis=1), si.cell)
    bare = tmp_path / "bare.toml"
    bare.write_text(STEM.format(structure=""))
    np.testing.assert_array_equal(multislice.run(str(bare), atoms=atoms).readings["BF"], bf)
    with pytest.raises(phasis.InputError, match="the atoms are given"):
        multislice.run(str(config), atoms=atoms)
    with pytest.raises(phasis.InputError, match="numbers: expected a C-contiguous int32"):
        multislice.Atoms(np.array(si.numbers, np.int64), np.zeros((len(si), 3)), si.cell)


PLANE = """energy = 200e3
[structure]
crystal = "GaN"
zone_axis = [1, 0, 0]
repeat = [1, 1, 2]
[potential]
gpts = [64, 80]
slice_thickness = 1.6
output = "projected"
[wave]
type = "plane"
"""


def test_multislice_plane_wave_outputs_equal_the_file(cli, tmp_path):
    # Issue 17's outputs through Python: the indexed spots, the mean pattern, the projected
    # potential and the loss beyond the aperture, as the CLI's file holds them.
    config = tmp_path / "gan.toml"
    config.write_text(PLANE)
    out = tmp_path / "gan.h5"
    cli("multislice", "run", config, "-o", out, "--no-pictures", "--no-report")
    r = multislice.run(str(config))
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(np.array(r.spots), f["hrtem/spots"][()])
        np.testing.assert_array_equal(r.potential, f["potential/projected"][()])
        assert f.attrs["lost_beyond_aperture_mean"] == r.lost_beyond_aperture[0]
    assert r.spots[0][:3] == (0.0, 0.0, 0.0)
    assert all(s[0] == 0.0 for s in r.spots)  # along [100] the zero-order Laue zone has h = 0
    assert r.diffraction.shape == (80, 64)
    assert abs(r.diffraction.sum() + r.lost_beyond_aperture[0] - 1) < 1e-12


def test_read_atoms_cuts_a_crystal_along_a_zone_axis(tmp_path):
    # A hexagonal POSCAR along [100] is the built-in GaN's cell along [100] (same sites, same cell).
    poscar = tmp_path / "POSCAR"
    poscar.write_text("GaN\n1.0\n3.189 0 0\n-1.5945 2.761755 0\n0 0 5.185\nGa N\n2 2\nDirect\n"
                      "0.333333333333 0.666666666667 0\n0.666666666667 0.333333333333 0.5\n"
                      "0.333333333333 0.666666666667 0.377\n0.666666666667 0.333333333333 0.877\n")
    a = multislice.read_atoms(str(poscar), zone_axis="100")
    b = multislice.crystal("GaN", zone_axis="100")
    np.testing.assert_allclose(a.cell, b.cell, atol=1e-5)
    key = lambda t: sorted(zip(t.numbers, np.round(np.mod(t.x, t.cell[0]), 4) % round(t.cell[0], 4),
                               np.round(t.y, 4), np.round(t.z, 4)))
    assert len(a) == len(b) == 8
    assert key(a) == key(b)
    with pytest.raises(phasis.InputError, match="not all zero"):
        multislice.read_atoms(str(poscar), zone_axis="000")
