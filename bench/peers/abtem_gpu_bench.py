#!/usr/bin/env python3
"""phasis (CUDA) against abTEM on CuPy, side by side in one run (issue 7's GPU benchmark).

Case: gold [100], 5 x 5 x 2 cells, 512 x 512 gpts, slices of a/2, Lobato, infinite projection;
200 keV probe of 20 mrad; 14 x 14 probe positions over one unit cell in the middle of the slab;
4 frozen phonon configurations (sigma 0.085 A); HAADF 65-200 mrad; float32 on the GPU in both.
Both read one extended-XYZ file written here, with z moved by a/4 so that no atom sits on a slice
boundary. Each simulator runs twice; the faster (warm) run counts. phasis is timed as the whole CLI
process (start, CUDA set-up, potentials, writing the result); abTEM as `.compute()` after import.

HAADF agreement: frozen phonon configurations are random, and the two codes draw different ones,
so 4 configurations agree only to their statistical spread; the same scan without phonons (static
lattice) is compared too, where the two must agree as on the CPU (bench/peers/abtem_compare.py).

Usage: python3 bench/peers/abtem_gpu_bench.py --phasis build-gpu/phasis   (scripts/gpu-ms-bench)
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

A = 4.078
CELLS = (5, 5, 2)
GPTS = 512
ENERGY = 200e3
SEMIANGLE = 20.0
HAADF = (65.0, 200.0)
SCAN_N = 14
SIGMA = 0.085
PHONONS = 4
DEVICE = "cuda"
START, END = (2 * A, 2 * A), (3 * A, 3 * A)  # one unit cell, end excluded


def gold():
    frac = [(0, 0, 0), (.5, .5, 0), (.5, 0, .5), (0, .5, .5)]
    atoms = []
    for i in range(CELLS[0]):
        for j in range(CELLS[1]):
            for k in range(CELLS[2]):
                for x, y, z in frac:
                    atoms.append(((x + i) * A, (y + j) * A, ((z + k) * A + A / 4) % (CELLS[2] * A)))
    return atoms, [CELLS[0] * A, CELLS[1] * A, CELLS[2] * A]


def write_xyz(path, atoms, cell):
    with open(path, "w") as f:
        f.write(f"{len(atoms)}\n")
        f.write(f'Lattice="{cell[0]} 0 0 0 {cell[1]} 0 0 0 {cell[2]}" Properties=species:S:1:pos:R:3\n')
        for x, y, z in atoms:
            f.write(f"Au {x:.10f} {y:.10f} {z:.10f}\n")


def phasis_run(exe, folder, xyz, phonons, batch):
    cfg = os.path.join(folder, f"au{phonons}.toml")
    with open(cfg, "w") as f:
        f.write(f"""energy = {ENERGY}
[structure]
file = "{xyz}"
[potential]
parametrization = "lobato"
gpts = [{GPTS}, {GPTS}]
slice_thickness = {A / 2}
[wave]
type = "probe"
semiangle = {SEMIANGLE}
[scan]
type = "grid"
start = [{START[0]}, {START[1]}]
end = [{END[0]}, {END[1]}]
gpts = [{SCAN_N}, {SCAN_N}]
[[detector]]
name = "HAADF"
inner = {HAADF[0]}
outer = {HAADF[1]}
[phonons]
configurations = {phonons}
sigma = {{ Au = {SIGMA} }}
seed = 1
[run]
device = "{DEVICE}"
precision = "float"
batch = {batch}
""")
    out = os.path.join(folder, f"au{phonons}.h5")
    t0 = time.perf_counter()
    subprocess.run([exe, "multislice", "run", cfg, "-o", out, "--no-pictures"], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    with h5py.File(out, "r") as h:
        img = np.asarray(h["stem/HAADF"]).reshape(SCAN_N, SCAN_N)  # (y, x)
    return seconds, img


def abtem_run(atoms_xyz, cell, phonons):
    import abtem
    import ase

    atoms = ase.Atoms(f"Au{len(atoms_xyz)}", positions=atoms_xyz, cell=cell, pbc=True)
    if phonons > 1:
        atoms = abtem.FrozenPhonons(atoms, num_configs=phonons, sigmas={"Au": SIGMA}, seed=1)
    pot = abtem.Potential(atoms, gpts=GPTS, slice_thickness=A / 2, parametrization="lobato", projection="infinite")
    probe = abtem.Probe(energy=ENERGY, semiangle_cutoff=SEMIANGLE)
    scan = abtem.GridScan(start=START, end=END, gpts=SCAN_N, endpoint=False)
    det = abtem.AnnularDetector(inner=HAADF[0], outer=HAADF[1])
    t0 = time.perf_counter()
    m = probe.scan(pot, scan=scan, detectors=det).compute(progress_bar=False)
    seconds = time.perf_counter() - t0
    img = np.asarray(m.array)
    if hasattr(img, "get"):
        img = img.get()
    if img.ndim == 3:  # an ensemble axis left in: average it
        img = img.mean(0)
    return seconds, img.T  # abTEM indexes (x, y)


def agreement(p, a):
    return np.max(np.abs(p - a)) / np.max(a), abs(p.mean() - a.mean()) / a.mean()


def main():
    global GPTS, SCAN_N, DEVICE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phasis", default="build-gpu/phasis")
    ap.add_argument("--batch", type=int, default=49, help="phasis probe positions per batch")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda", help="cpu: a smoke test of this script")
    ap.add_argument("--gpts", type=int, default=GPTS)
    ap.add_argument("--scan", type=int, default=SCAN_N, help="positions per scan axis")
    a = ap.parse_args()
    GPTS, SCAN_N, DEVICE = a.gpts, a.scan, a.device
    import abtem

    try:
        import pyfftw  # noqa: F401  (abTEM's default CPU FFT; the GPU runs use CuPy's either way)
        fft = "fftw"
    except ImportError:
        fft = "numpy"
    # antialias.taper 0: the same hard 2/3 antialiasing aperture as phasis.
    abtem.config.set({"device": "gpu" if a.device == "cuda" else "cpu", "precision": "float32",
                      "antialias.taper": 0.0, "fft": fft})
    atoms, cell = gold()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        xyz = os.path.join(tmp, "au.xyz")
        write_xyz(xyz, atoms, cell)
        for phonons in (PHONONS, 1):
            tp, ta = [], []
            for r in range(a.repeats):
                s, p_img = phasis_run(a.phasis, tmp, xyz, phonons, a.batch)
                tp.append(s)
                print(f"phasis  phonons={phonons} run {r + 1}: {s:.2f} s", flush=True)
                s, a_img = abtem_run(atoms, cell, phonons)
                ta.append(s)
                print(f"abTEM   phonons={phonons} run {r + 1}: {s:.2f} s", flush=True)
            rows.append((phonons, min(tp), min(ta), *agreement(p_img, a_img)))
    print()
    print(f"gold [100] {CELLS[0]}x{CELLS[1]}x{CELLS[2]} cells, {GPTS}x{GPTS} gpts, {SCAN_N}x{SCAN_N} positions, "
          f"HAADF {HAADF[0]:.0f}-{HAADF[1]:.0f} mrad, float32; abTEM {abtem.__version__} on CuPy; best of {a.repeats}")
    print(f"{'phonons':>8} {'phasis s':>9} {'abTEM s':>9} {'speed-up':>9} {'HAADF max diff':>15} {'mean diff':>10}")
    for ph, sp, sa, dmax, dmean in rows:
        print(f"{ph:>8} {sp:>9.2f} {sa:>9.2f} {sa / sp:>8.1f}x {100 * dmax:>14.2f}% {100 * dmean:>9.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
