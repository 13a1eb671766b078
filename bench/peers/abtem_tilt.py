#!/usr/bin/env python3
"""phasis against abTEM on plane-wave diffraction spots of a tilted specimen.

Au [100], 10 cells deep, 82 x 82 gpts (0.0497 A), slices of a/2, Lobato, infinite projection,
200 keV, both in double precision, abTEM's antialiasing aperture made hard like phasis's. abTEM
tilts the plane wave (PlaneWave(tilt=...): a shift of the wave in each slice's propagator); phasis
takes [structure] tilt (each slice's transmission function moved by -z_k tan t). Reported per
tilt: the spots (pixels of the exit wave's diffraction pattern) above 1e-4 of the incident
intensity in abTEM's pattern and the worst and median |phasis - abTEM| / abTEM over them.

Usage (abTEM installed in a venv; see docs/multislice.md):
  .whl/venv/bin/python bench/peers/abtem_tilt.py --phasis build/phasis
"""
import argparse
import os
import subprocess
import tempfile

import h5py
import numpy as np

A = 4.078
CELLS = 10
GPTS = 82
ENERGY = 200e3
FLOOR = 1e-4
FCC = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
TILTS = [(0, 0), (10, 5), (-20, 0), (3, -7), (50, 30)]  # mrad


def pattern(wave):
    return np.abs(np.fft.fft2(wave)) ** 2 / wave.size**2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phasis", default="build/phasis", help="the phasis binary")
    args = ap.parse_args()
    import abtem
    import ase

    abtem.config.set({"device": "cpu", "precision": "float64", "antialias.taper": 0.0})
    atoms = [("Au", x * A, y * A, (z + k) * A) for k in range(CELLS) for x, y, z in FCC]
    at = ase.Atoms([s for s, *_ in atoms], positions=[p for _, *p in atoms], cell=[A, A, A * CELLS], pbc=True)
    dz = A / 2
    pot = abtem.Potential(at, gpts=GPTS, slice_thickness=dz, parametrization="lobato", projection="infinite")
    print(f"abTEM {abtem.__version__}; Au [100], {CELLS} cells, {GPTS} x {GPTS} gpts, {ENERGY / 1e3:.0f} keV; "
          f"spots above {FLOOR}")
    for tilt in TILTS:
        ref = pattern(np.asarray(abtem.PlaneWave(energy=ENERGY, tilt=tilt).multislice(pot).compute().array).T)
        with tempfile.TemporaryDirectory() as tmp:
            cfg, out = os.path.join(tmp, "c.toml"), os.path.join(tmp, "c.h5")
            with open(cfg, "w") as f:
                f.write(f'energy = {ENERGY}\n[structure]\ncrystal = "Au"\nrepeat = [1, 1, {CELLS}]\n'
                        f'tilt = [{tilt[0]}, {tilt[1]}]\n[potential]\nparametrization = "lobato"\n'
                        f'gpts = [{GPTS}, {GPTS}]\nslice_thickness = {dz}\n[wave]\ntype = "plane"\n'
                        f'[run]\ndevice = "cpu"\nprecision = "double"\n')
            subprocess.run([args.phasis, "multislice", "run", cfg, "-o", out, "--no-pictures", "--no-report"],
                           check=True, stdout=subprocess.DEVNULL)
            with h5py.File(out, "r") as h:
                got = pattern(np.asarray(h["hrtem/exit_wave"]).astype(complex))
        spots = ref > FLOOR
        rel = np.abs(got[spots] - ref[spots]) / ref[spots]
        print(f"tilt ({tilt[0]}, {tilt[1]}) mrad: {spots.sum()} spots, worst {rel.max():.3g}, median {np.median(rel):.3g}")


if __name__ == "__main__":
    main()
