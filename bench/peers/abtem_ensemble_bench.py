#!/usr/bin/env python3
"""phasis against abTEM on real work: a frozen-phonon STEM ensemble (issue 19's benchmark).

Case: SrTiO3 [100], 10 x 10 x 25 cells (39 x 39 x 97.6 A, 12,500 atoms), 1024 x 1024 gpts
(0.038 A), slices of a/2 (50 slices), Lobato, infinite projection; 200 keV probe of 20 mrad;
64 x 64 positions over the 2 x 2 cells in the middle; 16 frozen-phonon configurations (rms 0.088,
0.075, 0.09 A for Sr, Ti, O); a HAADF ring (70-200 mrad) and a 4D-STEM detector cropped to 64 x 64
pixels (+-20.6 mrad); float32 on the GPU in both. Both read one extended-XYZ file written here, its z
moved by a/4 so that no atom sits on a slice boundary. That is 65,536 exit waves of 8 MiB (550 GB
as an ensemble) and 6.6 million slice steps.

What is timed. abTEM: from building the objects a user builds (atoms, FrozenPhonons, Potential,
Probe, GridScan, detectors) through `probe.scan(...).compute()` to a synchronised GPU, after a
warm-up run of a small case (kernels compiled, FFT plans made). abTEM runs configurations one after
another; with `--abtem-phonons N` below 16 it runs N and its time is scaled by 16 / N (stated in
the table). phasis: the CLI process, and the simulation inside it (the `stages:` line's wall time).

The floor of the propagation, measured in the same run with CuPy: the device-to-device copy
bandwidth (2 GiB), cuFFT's forward and inverse 1024^2 transforms of a batch, and one multiply
pass. Per slice and wave a multislice step is a transmission multiply, a forward FFT, a propagator
multiply and an inverse FFT: its floor is 2 cuFFT transforms + 2 multiply passes at the copy
bandwidth (read and write 8 MiB each), times configurations x positions x slices. phasis'
`propagation` stage is compared with it.

`--cpu` runs instead a smaller case on the CPU (all cores): phasis with its thread pool against
abTEM on NumPy with Dask's threaded scheduler.

Usage: python3 bench/peers/abtem_ensemble_bench.py --phasis build-gpu/phasis   (scripts/gpu-ms-ensemble)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

A = 3.905
ENERGY = 200e3
SEMIANGLE = 20.0
SIGMAS = {"Sr": 0.088, "Ti": 0.075, "O": 0.09}
BASIS = [("Sr", 0, 0, 0), ("Ti", .5, .5, .5), ("O", .5, .5, 0), ("O", .5, 0, .5), ("O", 0, .5, .5)]


class Case:
    def __init__(self, cells, gpts, scan, phonons, crop_angle, device, haadf=(70.0, 200.0)):
        self.cells, self.gpts, self.scan, self.phonons, self.device = cells, gpts, scan, phonons, device
        self.haadf = haadf
        self.crop_angle = crop_angle
        mid = cells[0] // 2
        self.start, self.end = ((mid - 1) * A, (mid - 1) * A), ((mid + 1) * A, (mid + 1) * A)

    def atoms(self):
        out = []
        for i in range(self.cells[0]):
            for j in range(self.cells[1]):
                for k in range(self.cells[2]):
                    for el, x, y, z in BASIS:
                        out.append((el, (x + i) * A, (y + j) * A, ((z + k) * A + A / 4) % (self.cells[2] * A)))
        return out

    def cell(self):
        return [c * A for c in self.cells]

    def describe(self):
        c = self.cells
        return (f"SrTiO3 [100] {c[0]}x{c[1]}x{c[2]} cells ({5 * c[0] * c[1] * c[2]} atoms, {2 * c[2]} slices), "
                f"{self.gpts}^2 gpts, {self.scan}x{self.scan} positions, {self.phonons} phonon configurations, "
                f"HAADF {self.haadf[0]:.0f}-{self.haadf[1]:.0f} mrad + 4D cropped to {self.crop_angle:.1f} mrad, float32")


def write_xyz(path, case):
    atoms, cell = case.atoms(), case.cell()
    with open(path, "w") as f:
        f.write(f"{len(atoms)}\n")
        f.write(f'Lattice="{cell[0]} 0 0 0 {cell[1]} 0 0 0 {cell[2]}" Properties=species:S:1:pos:R:3\n')
        for el, x, y, z in atoms:
            f.write(f"{el} {x:.10f} {y:.10f} {z:.10f}\n")


def write_config(folder, xyz, case, seed, extra=""):
    cfg = os.path.join(folder, "case.toml")
    sig = ", ".join(f"{k} = {v}" for k, v in SIGMAS.items())
    with open(cfg, "w") as f:
        f.write(f"""energy = {ENERGY}
[structure]
file = "{xyz}"
[potential]
parametrization = "lobato"
gpts = [{case.gpts}, {case.gpts}]
slice_thickness = {A / 2}
[wave]
type = "probe"
semiangle = {SEMIANGLE}
[scan]
type = "grid"
start = [{case.start[0]}, {case.start[1]}]
end = [{case.end[0]}, {case.end[1]}]
gpts = [{case.scan}, {case.scan}]
[[detector]]
name = "HAADF"
inner = {case.haadf[0]}
outer = {case.haadf[1]}
[[detector]]
type = "pixelated"
name = "4D"
max_angle = {case.crop_angle}
[phonons]
configurations = {case.phonons}
sigma = {{ {sig} }}
seed = {seed}
[run]
device = "{case.device}"
precision = "float"
{extra}
""")
    return cfg


def phasis_run(exe, folder, xyz, case, seed, profile=None):
    # FFTW measures its plans (host potentials, the CPU multislice), as abTEM's pyFFTW does.
    cfg = write_config(folder, xyz, case, seed, 'fft_planning = "measure"')
    out = os.path.join(folder, "phasis.h5")
    cmd = [exe, "multislice", "run", cfg, "-o", out, "--no-pictures", "--no-report"]
    if profile:
        cmd += ["--profile", profile]
    t0 = time.perf_counter()
    run = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    with h5py.File(out, "r") as h:
        img = np.asarray(h["stem/HAADF"]).reshape(case.scan, case.scan)  # (y, x)
        mean4d = np.asarray(h["stem/4D"]).reshape(case.scan * case.scan, -1).mean(0)
        params = json.loads(h.attrs["parameters"])
    lines = [x for x in run.stdout.splitlines() if x.startswith(("stages", "chunks:"))]
    return seconds, params["seconds"], params["stage_seconds"], lines, img, mean4d


def abtem_run(case, phonons, seed, scan=None):
    import abtem
    import ase

    gpu = abtem.config.get("device") == "gpu"
    if gpu:
        import cupy
    scan = scan or case.scan
    atoms_list = case.atoms()
    t0 = time.perf_counter()
    atoms = ase.Atoms([a[0] for a in atoms_list], positions=[a[1:] for a in atoms_list], cell=case.cell(), pbc=True)
    if case.phonons > 1:  # frozen phonons even when timing fewer configurations (one is not the static lattice)
        atoms = abtem.FrozenPhonons(atoms, num_configs=phonons, sigmas=SIGMAS, seed=seed)
    pot = abtem.Potential(atoms, gpts=case.gpts, slice_thickness=A / 2, parametrization="lobato",
                          projection="infinite")
    probe = abtem.Probe(energy=ENERGY, semiangle_cutoff=SEMIANGLE)
    grid = abtem.GridScan(start=case.start, end=case.end, gpts=scan, endpoint=False)
    dets = [abtem.AnnularDetector(inner=case.haadf[0], outer=case.haadf[1]), abtem.PixelatedDetector(max_angle=case.crop_angle)]
    m = probe.scan(pot, scan=grid, detectors=dets).compute(progress_bar=False)
    if gpu:
        cupy.cuda.Device().synchronize()
    seconds = time.perf_counter() - t0

    def host(x):
        x = x.array
        return np.asarray(x.get() if hasattr(x, "get") else x)

    img, dif = host(m[0]), host(m[1])
    while img.ndim > 2:  # an ensemble axis left in: average it
        img, dif = img.mean(0), dif.mean(0)
    return seconds, img.T, dif.reshape(scan * scan, -1).mean(0) if dif.ndim == 4 else dif


def floor(case, slices):
    """Copy bandwidth, cuFFT and one multiply pass, measured now; the propagation's floor."""
    import cupy as cp

    def timed(f, repeats=5):
        f()
        cp.cuda.Device().synchronize()
        best = 1e9
        for _ in range(repeats):
            e0, e1 = cp.cuda.Event(), cp.cuda.Event()
            e0.record()
            f()
            e1.record()
            e1.synchronize()
            best = min(best, cp.cuda.get_elapsed_time(e0, e1) * 1e-3)
        return best

    n = 2 ** 28  # 2 GiB of complex64
    a = cp.ones(n // 8, dtype=cp.complex64)
    b = cp.empty_like(a)
    copy = timed(lambda: cp.copyto(b, a))
    bandwidth = 2 * a.nbytes / copy
    del a, b
    batch = 64
    w = (cp.random.random((batch, case.gpts, case.gpts)) + 0j).astype(cp.complex64)
    t = cp.ones((case.gpts, case.gpts), dtype=cp.complex64)
    import cupyx.scipy.fft as cfft  # in place (overwrite_x), with CuPy's cached cuFFT plan

    fft = timed(lambda: cfft.ifft2(cfft.fft2(w, axes=(1, 2), overwrite_x=True), axes=(1, 2), overwrite_x=True)) / 2
    mul = timed(lambda: cp.multiply(w, t, out=w))
    wave_bytes = 8 * case.gpts ** 2
    steps = case.phonons * case.scan ** 2 * slices
    per_step_fft = 2 * fft / batch + 2 * 2 * wave_bytes / bandwidth  # cuFFT + the multiplies at bandwidth
    per_step_bw = 4 * 2 * wave_bytes / bandwidth  # each of the 4 passes read and written once
    return {"bandwidth": bandwidth, "fft_per_wave": fft / batch, "mul_per_wave": mul / batch,
            "mul_share": 2 * wave_bytes * batch / mul / bandwidth, "fft_floor": per_step_fft * steps,
            "bandwidth_floor": per_step_bw * steps, "steps": steps}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phasis", default="build-gpu/phasis")
    ap.add_argument("--cpu", action="store_true", help="the CPU comparison (a smaller case) instead")
    ap.add_argument("--cells", type=int, nargs=3, default=None)
    ap.add_argument("--gpts", type=int, default=None)
    ap.add_argument("--scan", type=int, default=None)
    ap.add_argument("--phonons", type=int, default=None)
    ap.add_argument("--abtem-phonons", type=int, default=None,
                    help="configurations abTEM runs (its time scaled to --phonons); default all")
    ap.add_argument("--no-abtem", action="store_true")
    ap.add_argument("--profile", metavar="PREFIX", help="phasis --profile PREFIX (trace, resources, PNG)")
    a = ap.parse_args()
    if a.cpu:  # small enough for abTEM on NumPy in a minute or two
        case = Case(a.cells or [4, 4, 10], a.gpts or 256, a.scan or 16, a.phonons or 4, 20.0, "cpu", (70.0, 130.0))
    else:
        case = Case(a.cells or [10, 10, 25], a.gpts or 1024, a.scan or 64, a.phonons or 16, 20.6, "cuda")
    # A crop of 64 x 64 pixels at 1024 gpts over 39 A: a reciprocal pixel of 0.643 mrad.
    slices = 2 * case.cells[2]
    version = "(not run)"
    if not a.no_abtem:
        try:
            import abtem
            version = abtem.__version__
            try:
                import pyfftw  # noqa: F401
                fft = "fftw"
            except ImportError:
                fft = "numpy"
            # antialias.taper 0: the same hard 2/3 antialiasing aperture as phasis.
            abtem.config.set({"device": "cpu" if a.cpu else "gpu", "precision": "float32", "antialias.taper": 0.0,
                              "fft": fft})
            if a.cpu:
                import dask
                dask.config.set(scheduler="threads", num_workers=os.cpu_count())
                abtem.config.set({"fftw.threads": 1})
        except Exception as e:  # noqa: BLE001
            print(f"abTEM unavailable: {e}")
            a.no_abtem = True
    print(case.describe(), flush=True)
    fl = None if a.cpu else floor(case, slices)
    if fl:
        print(f"floor: copy {fl['bandwidth'] / 1e9:.0f} GB/s; cuFFT {1e6 * fl['fft_per_wave']:.1f} us per "
              f"{case.gpts}^2 transform; multiply pass {1e6 * fl['mul_per_wave']:.1f} us per wave "
              f"({100 * fl['mul_share']:.0f}% of copy bandwidth); {fl['steps']:,} slice steps: "
              f"{fl['fft_floor']:.2f} s with cuFFT, {fl['bandwidth_floor']:.2f} s at bandwidth", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        xyz = os.path.join(tmp, "sto.xyz")
        write_xyz(xyz, case)
        s, sim, stages, lines, p_img, p_dif = phasis_run(a.phasis, tmp, xyz, case, 1, a.profile)
        print(f"phasis: process {s:.2f} s, simulation {sim:.2f} s", flush=True)
        for line in lines:
            print("  " + line)
        ab = None
        if not a.no_abtem:
            n = a.abtem_phonons or case.phonons
            warm = abtem_run(case, 1, 7, scan=2)[0]
            print(f"abTEM warm-up (1 configuration, 2 x 2 positions): {warm:.2f} s", flush=True)
            t, a_img, a_dif = abtem_run(case, n, 2)
            ab = (t, t * case.phonons / n, n, a_img, a_dif)
            print(f"abTEM: {t:.2f} s for {n} configurations", flush=True)
    print()
    print(case.describe())
    print(f"device: {'CPU, ' + str(os.cpu_count()) + ' cores' if a.cpu else 'GPU'}; abTEM {version}")
    print("phasis stages (s): " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))
    print(f"{'phasis process s':>17} {'phasis sim s':>13} {'abTEM s':>10} {'speed-up':>9} {'HAADF max diff':>15} "
          f"{'mean diff':>10} {'4D mean diff':>13}")
    if ab:
        dmax = np.max(np.abs(p_img - ab[3])) / np.max(ab[3])
        dmean = abs(p_img.mean() - ab[3].mean()) / ab[3].mean()
        d4 = (np.abs(p_dif - ab[4]).max() / ab[4].max()) if p_dif.shape == ab[4].shape else float("nan")
        note = "" if ab[2] == case.phonons else f" (measured {ab[0]:.2f} s for {ab[2]} configurations, scaled)"
        print(f"{s:>17.2f} {sim:>13.2f} {ab[1]:>10.2f} {ab[1] / sim:>8.1f}x {100 * dmax:>14.2f}% {100 * dmean:>9.2f}% "
              f"{100 * d4:>12.2f}%{note}")
        if p_dif.shape != ab[4].shape:
            print(f"4D crops differ in size: phasis {p_dif.shape}, abTEM {ab[4].shape}")
    else:
        print(f"{s:>17.2f} {sim:>13.2f}")
    if fl:
        prop = stages["propagation"]
        print(f"propagation {prop:.2f} s: {prop / fl['fft_floor']:.2f}x the cuFFT floor ({fl['fft_floor']:.2f} s), "
              f"{prop / fl['bandwidth_floor']:.2f}x the bandwidth floor ({fl['bandwidth_floor']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
