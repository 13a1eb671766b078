#!/usr/bin/env python3
"""phasis against abTEM on plane-wave diffraction spots of hexagonal crystals.

GaN (wurtzite, a = 3.189, c = 5.185, u = 0.377) along [001] and [100], and 2H-MoS2 (a = 3.160,
c = 12.294, S at z = 0.621) along [001], 10 cells deep. phasis reads the 4-atom (6-atom) hexagonal
cell from a POSCAR and cuts its own orthogonal cell along the zone axis (structure.zone_axis: along
[001] the a x sqrt3 a rectangle, along [100] c x sqrt3 a, 2 cells each); abTEM gets the same
hexagonal cell through ase and abtem.orthogonalize_cell (for [100] the rectangle turned with
plane="zy", which gives phasis's cell mirrored in y: phasis's pattern is compared flipped in ky).
About 0.05 A sampling (gpts = ceil(extent / 0.05) per axis), slices of c / 2 (GaN [001]), c / 4
(MoS2), a / 2 (GaN [100]), Lobato, infinite projection, 200 keV, both in double precision, abTEM's
antialiasing aperture made hard like phasis's.
Reported: whether the two orthogonal cells hold the same atoms, the number of spots (pixels of the
exit wave's diffraction pattern) above 1e-4 of the incident intensity in abTEM's pattern, and the
worst and median |phasis - abTEM| / abTEM over them.

Usage (abTEM installed in a venv, see docs/multislice.md; phasis's Python module for the cell check):
  PYTHONPATH=build/python .whl/venv/bin/python bench/peers/abtem_hexagonal.py --phasis build/phasis
"""
import argparse
import os
import subprocess
import tempfile

import h5py
import numpy as np

T = 1.0 / 3
GAN = [("Ga", (T, 2 * T, 0)), ("Ga", (2 * T, T, 0.5)), ("N", (T, 2 * T, 0.377)), ("N", (2 * T, T, 0.877))]
MOS2 = [("Mo", (T, 2 * T, 0.25)), ("Mo", (2 * T, T, 0.75)), ("S", (2 * T, T, 0.121)), ("S", (2 * T, T, 0.379)),
        ("S", (T, 2 * T, 0.621)), ("S", (T, 2 * T, 0.879))]
CASES = [  # name, a, c, sites, phasis zone axis, abTEM plane (None: as orthogonalized), slice thickness
    ("GaN [001]", 3.189, 5.185, GAN, "001", None, 5.185 / 2),
    ("MoS2 [001]", 3.160, 12.294, MOS2, "001", None, 12.294 / 4),
    ("GaN [100]", 3.189, 5.185, GAN, "100", "zy", 3.189 / 2),
]
CELLS = 10
SAMPLING = 0.05
ENERGY = 200e3
FLOOR = 1e-4


def pattern(wave):
    return np.abs(np.fft.fft2(wave)) ** 2 / wave.size**2


def hexagonal(a, c):
    return [[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]]


def write_poscar(path, a, c, sites):
    symbols = list(dict.fromkeys(s for s, _ in sites))
    with open(path, "w") as f:
        f.write("hexagonal cell\n1.0\n")
        for v in hexagonal(a, c):
            f.write(" ".join(f"{x:.12f}" for x in v) + "\n")
        f.write(" ".join(symbols) + "\n" + " ".join(str(sum(s == e for s, _ in sites)) for e in symbols) + "\nDirect\n")
        for e in symbols:
            for s, p in sites:
                if s == e:
                    f.write(" ".join(f"{x:.16f}" for x in p) + "\n")


def run_phasis(exe, folder, poscar, zone, gpts, dz):
    cfg = os.path.join(folder, "c.toml")
    with open(cfg, "w") as f:
        f.write(f'energy = {ENERGY}\n[structure]\nfile = "{poscar}"\nzone_axis = "{zone}"\nrepeat = [1, 1, {CELLS}]\n'
                f'[potential]\nparametrization = "lobato"\ngpts = [{gpts[0]}, {gpts[1]}]\nslice_thickness = {dz}\n'
                f'[wave]\ntype = "plane"\n[run]\ndevice = "cpu"\nprecision = "double"\n')
    out = os.path.join(folder, "c.h5")
    subprocess.run([exe, "multislice", "run", cfg, "-o", out, "--no-pictures", "--no-report"], check=True,
                   stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as h:
        return pattern(np.asarray(h["hrtem/exit_wave"]).astype(complex))


def same_atoms(a, b, cell):
    """Whether two lists of (Z, position) hold the same atoms modulo the orthogonal cell (1e-6 A)."""
    if len(a) != len(b):
        return False
    left = list(b)
    for z, p in a:
        for i, (zz, q) in enumerate(left):
            d = np.asarray(p) - np.asarray(q)
            d -= np.round(d / cell) * cell
            if z == zz and np.abs(d).max() < 1e-6:
                left.pop(i)
                break
        else:
            return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phasis", default="build/phasis", help="the phasis binary")
    args = ap.parse_args()
    import abtem
    import ase

    abtem.config.set({"device": "cpu", "precision": "float64", "antialias.taper": 0.0})
    print(f"abTEM {abtem.__version__}; {CELLS} cells, ~{SAMPLING} A, {ENERGY / 1e3:.0f} keV; spots above {FLOOR}")
    for name, a, c, sites, zone, plane, dz in CASES:
        hexa = ase.Atoms([s for s, _ in sites], scaled_positions=[p for _, p in sites], cell=hexagonal(a, c), pbc=True)
        ortho = abtem.orthogonalize_cell(hexa)
        if plane:
            ortho = abtem.orthogonalize_cell(ortho, plane=plane)
        extent = np.diag(ortho.cell.array)
        gpts = [int(np.ceil(e / SAMPLING)) for e in extent[:2]]
        pot = abtem.Potential(ortho * (1, 1, CELLS), gpts=gpts, slice_thickness=dz, parametrization="lobato",
                              projection="infinite")
        wave = abtem.PlaneWave(energy=ENERGY).multislice(pot).compute()
        ref = pattern(np.asarray(wave.array).T)  # abTEM indexes arrays (x, y); phasis (y, x)
        spots = ref > FLOOR
        with tempfile.TemporaryDirectory() as tmp:
            poscar = os.path.join(tmp, "POSCAR")
            write_poscar(poscar, a, c, sites)
            got = run_phasis(args.phasis, tmp, poscar, zone, gpts, dz)
            # phasis's own orthogonal cell against abtem.orthogonalize_cell's (mirrored in y for "zy").
            from phasis import multislice
            cut = multislice.read_atoms(poscar, zone_axis=zone)
            y = -np.asarray(cut.y) if plane else np.asarray(cut.y)
            same = np.allclose(cut.cell, extent, atol=1e-9) and same_atoms(
                list(zip(cut.numbers, np.stack([cut.x, y, cut.z], axis=1))), list(zip(ortho.numbers, ortho.positions)),
                extent)
        if plane:
            got = np.roll(got[::-1], 1, axis=0)  # ky -> -ky
        rel = np.abs(got[spots] - ref[spots]) / ref[spots]
        print(f"{name}: cell {extent[0]:.4f} x {extent[1]:.4f} A ({len(ortho)} atoms, the same as abTEM's: {same}), "
              f"{gpts[0]} x {gpts[1]} gpts, slices {dz:.5f} A: {spots.sum()} spots, worst {rel.max():.3g}, "
              f"median {np.median(rel):.3g}")

if __name__ == "__main__":
    main()
