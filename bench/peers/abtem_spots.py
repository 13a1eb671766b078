#!/usr/bin/env python3
"""phasis against abTEM on plane-wave diffraction spots of crystals whose layers sit on slice boundaries.

Au [100] (slices of a/2: every (002) layer on a boundary) and Si [100] (slices of a/4, likewise),
10 cells deep, about 0.05 A sampling (gpts = ceil(a / 0.05)), Lobato, infinite projection, 200 keV,
both in double precision, abTEM's antialiasing aperture made hard like phasis's. Both read the same
extended-XYZ cell. Reported per phasis potential form: the number of spots (pixels of the exit
wave's diffraction pattern) above 1e-4 of the incident intensity in abTEM's pattern, and the
worst and median |phasis - abTEM| / abTEM over them.

Usage (abTEM installed in a venv; see docs/multislice.md):
  .whl/venv/bin/python bench/peers/abtem_spots.py --phasis build/phasis
"""
import argparse
import os
import subprocess
import tempfile

import h5py
import numpy as np

FCC = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
DIAMOND = FCC + [(x + 0.25, y + 0.25, z + 0.25) for x, y, z in FCC]
CASES = [("Au [100]", "Au", 4.078, FCC, 2), ("Si [100]", "Si", 5.431, DIAMOND, 4)]  # slices per cell
CELLS = 10
SAMPLING = 0.05
ENERGY = 200e3
FLOOR = 1e-4


def pattern(wave):
    return np.abs(np.fft.fft2(wave)) ** 2 / wave.size**2


def run_phasis(exe, folder, xyz, gpts, dz, form):
    cfg = os.path.join(folder, "c.toml")
    with open(cfg, "w") as f:
        f.write(f'energy = {ENERGY}\n[structure]\nfile = "{xyz}"\n[potential]\nparametrization = "lobato"\n'
                f'gpts = [{gpts}, {gpts}]\nslice_thickness = {dz}\nform = "{form}"\n[wave]\ntype = "plane"\n'
                f'[run]\ndevice = "cpu"\nprecision = "double"\n')
    out = os.path.join(folder, "c.h5")
    subprocess.run([exe, "multislice", "run", cfg, "-o", out, "--no-pictures"], check=True, stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as h:
        return pattern(np.asarray(h["hrtem/exit_wave"]).astype(complex))


def run_abtem(atoms, cell, gpts, dz):
    import abtem
    import ase

    abtem.config.set({"device": "cpu", "precision": "float64", "antialias.taper": 0.0})
    at = ase.Atoms(symbols=[s for s, *_ in atoms], positions=[p for _, *p in atoms], cell=cell, pbc=True)
    pot = abtem.Potential(at, gpts=gpts, slice_thickness=dz, parametrization="lobato", projection="infinite")
    wave = abtem.PlaneWave(energy=ENERGY).multislice(pot).compute()
    return pattern(np.asarray(wave.array).T)  # abTEM indexes arrays (x, y); phasis (y, x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phasis", default="build/phasis", help="the phasis binary")
    a = ap.parse_args()
    import abtem

    print(f"abTEM {abtem.__version__}; {CELLS} cells, ~{SAMPLING} A, {ENERGY / 1e3:.0f} keV; spots above {FLOOR}")
    for name, symbol, lat, frac, per_cell in CASES:
        cell = [lat, lat, lat * CELLS]
        atoms = [(symbol, x * lat, y * lat, (z + k) * lat) for k in range(CELLS) for x, y, z in frac]
        gpts, dz = int(np.ceil(lat / SAMPLING)), lat / per_cell
        ref = run_abtem(atoms, cell, gpts, dz)
        spots = ref > FLOOR
        with tempfile.TemporaryDirectory() as tmp:
            xyz = os.path.join(tmp, "c.xyz")
            with open(xyz, "w") as f:
                f.write(f'{len(atoms)}\nLattice="{cell[0]} 0 0 0 {cell[1]} 0 0 0 {cell[2]}" Properties=species:S:1:pos:R:3\n')
                for s, x, y, z in atoms:
                    f.write(f"{s} {x:.10f} {y:.10f} {z:.10f}\n")
            for form in ("sampled", "pixel_average"):
                rel = np.abs(run_phasis(a.phasis, tmp, xyz, gpts, dz, form)[spots] - ref[spots]) / ref[spots]
                print(f"{name}: {gpts} x {gpts} gpts ({lat / gpts:.4f} A), slices {dz:.5f} A, phasis {form}: "
                      f"{spots.sum()} spots, worst {rel.max():.3g}, median {np.median(rel):.3g}")


if __name__ == "__main__":
    main()
