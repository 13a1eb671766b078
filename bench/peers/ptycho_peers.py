#!/usr/bin/env python3
"""Reconstruct a phasis-simulated CXI file with other ptychography packages and score them with
`phasis ptycho compare`, so every code's error is measured by the same tool with the same
ambiguity removal (global phase, phase ramp, translation) over the same illuminated region.

Peers (installed from their published wheels, never copied into this project):
  tike    tike 0.26, tike.ptycho with DmOptions (its algorithm named 'dm'), one probe mode, CuPy.
  ptypy   PtyPy 0.9 (not on PyPI: a wheel built from its public repository's v0.9.0 tag), engine
          DM_cupy_nostream on the GPU (DM_serial with --cpu): the Difference Map, as phasis.
  ptylab  PtyLab (pip package 'ptylab'), engine ePIE: PtyLab has no Difference Map; ePIE is its
          basic projection engine (modulus projection of the exit wave, then object and probe
          updates), the closest to DM of its engines. GPU through CuPy, or numpy with --cpu.

    ptycho_peers.py SIM.cxi --iterations 50 --phasis build/phasis [--peers tike,ptylab]
                    [--out DIR] [--json rows.jsonl] [--phasis-result recon.h5] [--max-seconds S]
    ptycho_peers.py --table rows.jsonl     # the side-by-side table of every row collected

Each peer runs in its own Python process (a crash, a hang or a missing package stops that peer
only) and writes DIR/<stem>_<peer>.h5 in the layout `phasis ptycho compare` reads: object (H x W
complex), probe (M x M complex), object_origin (object pixel (y, x) of object[0, 0]), plus what
the run measured.

Timing: the first iteration is a warm-up (CUDA kernels compiled, FFT plans made, memory pools
filled) and is not timed; the rest are timed on the host clock between two device
synchronisations, so the figure is wall time per iteration of the peer's own loop: for tike,
Reconstruction.iterate() (preconditioner update, DM update, its cost and update norm); for
PtyLab, ePIE's sweep over every frame plus its per-iteration error metric and constraints. Loading,
conversion and host<->device transfers before and after are not included. --max-seconds stops a
slow peer (those in --capped: PtyLab, PtyPy) early: the row then says how many iterations it ran.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np

H_PLANCK = 6.62607015e-34
C_LIGHT = 299792458.0
PADDING = 8  # object pixels around the scanned area, as phasis's make_problem


# ---------------------------------------------------------------------------------------------
# CXI -> the quantities every peer needs, in object pixels


def read_cxi(path):
    """Frames (N x M x M, DC at the centre as a detector records them), scan positions as
    integer object pixels (N x 2: y, x; the frame's corner, as phasis and its simulator use
    them), the initial probe (M x M, real space, centred), the geometry and the truth's origin."""
    import h5py
    with h5py.File(path, "r") as f:
        e = f["entry_1"]
        frames = np.asarray(e["data_1/data"], dtype=np.float32)
        t = np.asarray(e["sample_1/geometry_1/translation"], dtype=np.float64)
        energy = float(np.asarray(e["instrument_1/source_1/energy"]))
        det = e["instrument_1/detector_1"]
        distance = float(np.asarray(det["distance"]))
        px = float(np.asarray(det["x_pixel_size"]))
        py = float(np.asarray(det["y_pixel_size"]))
        src = e["instrument_1/source_1"]
        probe = np.asarray(src["illumination"]).astype(np.complex64) if "illumination" in src else None
        origin = np.asarray(e["phasis_truth/object_origin"], dtype=np.float64) if "phasis_truth" in e else None
    n, m = frames.shape[0], frames.shape[-1]
    wavelength = H_PLANCK * C_LIGHT / energy
    dy, dx = wavelength * distance / (m * py), wavelength * distance / (m * px)  # object pixel, m
    # phasis's positions_in_pixels: translation columns are (x, y, z); round(t / pixel).
    pos = np.stack([np.rint(t[:, 1] / dy), np.rint(t[:, 0] / dx)], axis=1).astype(np.int64)
    if probe is None:
        probe = probe_from_mean_pattern(frames)
    return dict(frames=frames, pos=pos, probe=probe, n=n, m=m, wavelength=wavelength,
                distance=distance, pixel_y=py, pixel_x=px, dy=dy, dx=dx, truth_origin=origin)


def probe_from_mean_pattern(frames):
    """As phasis does without an initial probe: inverse FFT of the root mean pattern, flat phase,
    unitary scale, centred."""
    amp = np.sqrt(np.mean(frames.astype(np.float64), axis=0))
    p = np.fft.ifft2(np.fft.ifftshift(amp), norm="ortho")
    return np.fft.fftshift(p).astype(np.complex64)


def initial_object(shape, seed=1):
    """Unit transmission with a 1% pseudo-random perturbation, as phasis starts (dm_impl.hpp's
    initial_object; a different generator, the same distribution)."""
    rng = np.random.default_rng(seed)
    return ((1 + 0.02 * (rng.random(shape) - 0.5)) + 1j * 0.02 * (rng.random(shape) - 0.5)).astype(np.complex64)


def object_frame(pos, m, padding=PADDING):
    """The object array phasis uses: origin (object pixel of element [0, 0]) and shape."""
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    origin = lo - padding
    shape = hi - lo + m + 2 * padding
    return origin, (int(shape[0]), int(shape[1]))


# ---------------------------------------------------------------------------------------------
# The result file phasis ptycho compare reads


def write_result(path, obj, probe, origin_yx, attrs):
    import h5py
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f["object"] = np.ascontiguousarray(obj, dtype=np.complex64)
        f["probe"] = np.ascontiguousarray(probe, dtype=np.complex64)
        f["object_origin"] = np.asarray(origin_yx, dtype=np.float64)
        for k, v in attrs.items():
            if isinstance(v, (list, tuple, np.ndarray)):
                f[k] = np.asarray(v, dtype=np.float64)
            else:
                f.attrs[k] = v
    os.replace(tmp, path)


def compare(phasis, result, cxi):
    """Phase RMSE and complex error from `phasis ptycho compare`."""
    r = subprocess.run([phasis, "ptycho", "compare", result, cxi], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("phasis ptycho compare failed: " + (r.stderr or r.stdout).strip())
    mo = re.search(r"phase RMSE ([0-9.eE+-]+|nan|inf) rad; complex error ([0-9.eE+-]+|nan|inf)", r.stdout)
    if not mo:
        raise RuntimeError("unexpected compare output: " + r.stdout.strip())
    return float(mo.group(1)), float(mo.group(2)), r.stdout.strip()


# ---------------------------------------------------------------------------------------------
# Peers. Each returns (object H x W, probe M x M, origin (y, x), info dict).


def sync_cupy():
    try:
        import cupy
        cupy.cuda.Device().synchronize()
    except Exception:
        pass


def run_tike(d, iterations, max_seconds, cpu):
    if cpu:
        raise RuntimeError("tike runs on CUDA GPUs only (CuPy); no CPU path")
    import cupy as cp
    import tike
    import tike.ptycho
    m = d["m"]
    origin, shape = object_frame(d["pos"], m)
    # tike: data FFT-shifted with the zero frequency at the corners; propagation is an
    # orthonormal FFT (as phasis's unitary one); scan = the probe's minimum corner in psi's
    # pixels, (row, col) order, and must lie in [1, psi - probe - 1] (the 8-pixel padding does).
    data = np.fft.ifftshift(d["frames"], axes=(-2, -1))
    scan = (d["pos"] - origin[None, :]).astype(np.float32)
    psi = initial_object(shape)[None]
    probe = d["probe"].astype(np.complex64)[None, None, None]
    params = tike.ptycho.PtychoParameters(
        probe=probe, psi=psi, scan=scan,
        algorithm_options=tike.ptycho.DmOptions(num_iter=iterations, num_batch=1),
        probe_options=tike.ptycho.ProbeOptions(),
        object_options=tike.ptycho.ObjectOptions(),
        exitwave_options=tike.ptycho.ExitWaveOptions(measured_pixels=np.ones((m, m), dtype=np.bool_)),
    )
    timed = 0
    progress("tike: data and parameters ready")
    with tike.ptycho.Reconstruction(data, params, num_gpu=1) as ctx:
        progress("tike: reconstruction set up")
        ctx.iterate(1)  # warm-up
        sync_cupy()
        progress("tike: warm-up iteration done")
        t0 = time.perf_counter()
        while timed < iterations - 1:
            ctx.iterate(1)
            timed += 1
            if timed % 5 == 0:
                sync_cupy()
                progress("tike: %d timed iterations, %.1f ms each" % (timed, 1e3 * (time.perf_counter() - t0) / timed))
            if max_seconds and time.perf_counter() - t0 > max_seconds:
                break
        sync_cupy()
        seconds = time.perf_counter() - t0
        done = len(ctx.parameters.algorithm_options.times)
    res = ctx.parameters
    obj = np.asarray(res.psi)[0]
    pr = np.asarray(res.probe)[0, 0, 0]
    costs = [float(np.mean(c)) for c in res.algorithm_options.costs]
    info = dict(package="tike", version=tike.__version__, algorithm="dm (tike.ptycho.DmOptions, num_batch=1)",
                iterations_run=done, iterations_timed=timed, seconds_timed=seconds, costs=costs)
    return obj, pr, origin, info


def run_ptylab(d, iterations, max_seconds, cpu):
    import logging
    from PtyLab import Engines, ExperimentalData, Params, Reconstruction
    from PtyLab.Monitor.Monitor import DummyMonitor
    try:
        from importlib.metadata import version
        ver = version("ptylab")
    except Exception:
        ver = "unknown"
    logging.getLogger().setLevel(logging.WARNING)
    m, n = d["m"], d["n"]
    pos = d["pos"]
    # PtyLab: positions (row, col) of the patch corner = round(encoder / dxo) + No // 2 - Np // 2
    # with dxo = wavelength zo / (Nd dxd), a square No x No object, and the Fraunhofer propagator
    # fft2c (centred, orthonormal): the ptychogram has DC at the centre, as the CXI file.
    c = np.rint((pos.min(axis=0) + pos.max(axis=0)) / 2).astype(np.int64)
    half = int(np.max(np.maximum(c - pos.min(axis=0), pos.max(axis=0) - c))) + m // 2 + PADDING
    no = 2 * half
    exp = ExperimentalData(operationMode="CPM")
    exp.ptychogram = d["frames"]
    dxd = d["pixel_x"]
    if abs(d["pixel_y"] - dxd) > 1e-6 * dxd:
        raise RuntimeError("PtyLab needs square detector pixels")
    exp.wavelength = d["wavelength"]
    exp.zo = d["distance"]
    exp.dxd = dxd
    dxo = exp.wavelength * exp.zo / (m * dxd)
    exp.encoder = ((pos - c[None, :]) * dxo).astype(np.float64)
    exp.entrancePupilDiameter = None
    exp.spectralDensity = None
    exp.theta = None
    exp.emptyBeam = None
    exp._setData()
    params = Params()
    params.gpuSwitch = not cpu
    params.propagatorType = "Fraunhofer"
    params.fftshiftSwitch = True  # PtyLab's fast far-field path: data shifted once, no fftshift per frame
    params.positionOrder = "random"
    params.probePowerCorrectionSwitch = False
    params.comStabilizationSwitch = False
    rec = Reconstruction(exp, params)
    rec.No = no
    rec.initializeObjectProbe()
    rec.probe = d["probe"].astype(np.complex64).reshape(1, 1, 1, 1, m, m).copy()
    rec.object = initial_object((no, no)).reshape(rec.object.shape)
    got = np.asarray(rec.positions)
    want = pos - c[None, :] + no // 2 - m // 2
    if not np.array_equal(got, want):
        raise RuntimeError("PtyLab positions differ from the expected pixel positions")
    origin = c - no // 2 + m // 2  # object pixel of PtyLab's object[0, 0]
    engine = Engines.ePIE(rec, exp, params, DummyMonitor())
    engine.numIterations = iterations + 1  # one more, stopped at its first frame (see below)
    # reconstruct_stepwise yields after every frame's update; an iteration's boundary is the first
    # yield of the next one (its error metric and constraints ran just before it). Timed: from
    # the start of iteration 2 to the start of iteration `iterations + 1`, where we stop, so
    # `iterations` full iterations (and one frame) were run.
    gen = engine.reconstruct_stepwise()
    t0 = None
    timed = 0
    done = 0
    for loop, position_loop in gen:
        if position_loop != 0:
            continue
        done = loop
        if loop == 1:
            sync_cupy()
            t0 = time.perf_counter()
        elif loop > 1:
            timed = loop - 1
            if loop == iterations or (max_seconds and time.perf_counter() - t0 > max_seconds):
                break
    sync_cupy()
    seconds = time.perf_counter() - t0 if t0 is not None else float("nan")
    gen.close()
    obj, pr = rec.object, rec.probe
    try:
        import cupy
        obj, pr = cupy.asnumpy(obj), cupy.asnumpy(pr)
    except Exception:
        pass
    obj = np.asarray(obj).reshape(-1, no, no)[0]
    pr = np.asarray(pr).reshape(-1, m, m)[0]
    errs = []
    history = getattr(rec, "error", None)
    for e in ([] if history is None else list(history)):  # normalised error per iteration
        try:
            errs.append(float(e.get()) if hasattr(e, "get") else float(e))
        except (TypeError, ValueError):
            pass
    info = dict(package="ptylab", version=ver, algorithm="ePIE (betaObject=%g, betaProbe=%g, random order)"
                % (engine.betaObject, engine.betaProbe), iterations_run=done, iterations_timed=timed,
                seconds_timed=seconds, costs=errs, device="cpu (numpy)" if cpu else "gpu (cupy)")
    return obj, pr, origin, info


def run_ptypy(d, iterations, max_seconds, cpu):
    import logging
    import tempfile
    import ptypy
    from ptypy import utils as u
    from ptypy.core import Ptycho
    from ptypy.core.data import PtyScan
    from ptypy.experiment import register
    ptypy.load_gpu_engines("serial" if cpu else "cupy")
    engine_name = os.environ.get("PHASIS_PTYPY_ENGINE", "DM_serial" if cpu else "DM_cupy_nostream")
    m, n = d["m"], d["n"]
    frames = d["frames"]
    # PtyPy: positions (y, x) in metres, far-field propagator with the zero frequency at the centre
    # of the frame (center='fftshift'), as recorded. Where its views land in the object storage is
    # read back from the views below, not assumed.
    pos_m = (d["pos"] * np.array([d["dy"], d["dx"]])[None, :]).astype(np.float64)

    @register()
    class PhasisFrames(PtyScan):
        """
        The frames of a phasis CXI file, handed over from memory.

        Defaults:

        [name]
        default = PhasisFrames
        type = str
        help =
        """

        def load_positions(self):
            return pos_m

        def load_weight(self):
            return np.ones((m, m), dtype=np.float32)

        def load(self, indices):
            return {k: frames[k] for k in indices}, {}, {}

    tmp = tempfile.mkdtemp(prefix="ptypy-")
    p = u.Param()
    p.verbose_level = "error"
    p.frames_per_block = n
    p.io = u.Param(home=tmp, rfile=None)
    p.io.autosave = u.Param(active=False)
    p.io.autoplot = u.Param(active=False)
    p.io.interaction = u.Param(active=False)
    p.scans = u.Param()
    p.scans.s = u.Param(name="BlockFull")
    p.scans.s.data = u.Param(name="PhasisFrames", shape=m, psize=d["pixel_x"], distance=d["distance"],
                             energy=H_PLANCK * C_LIGHT / d["wavelength"] / 1.602176634e-16,  # keV
                             num_frames=n, center="fftshift", auto_center=False, orientation=None,
                             save=None, dfile=None)
    p.scans.s.illumination = u.Param(model=d["probe"].astype(np.complex128), photons=None)
    p.scans.s.illumination.aperture = u.Param(form=None)
    p.scans.s.illumination.propagation = u.Param(parallel=None, focussed=None)
    p.scans.s.illumination.diversity = None
    p.scans.s.coherence = u.Param(num_probe_modes=1, num_object_modes=1)
    p.engines = u.Param()
    # DM as phasis runs it on noise-free data: no Fourier relaxation, two object/probe
    # alternations per iteration, no probe support; PtyPy's defaults otherwise.
    p.engines.e = u.Param(name=engine_name, numiter=iterations, numiter_contiguous=1, fourier_relax_factor=0.0,
                          overlap_max_iterations=2, probe_support=None, alpha=1.0)
    if not cpu:
        # PtyPy's fastest FFT needs its optional compiled 'filtered_cufft' extension, which no wheel
        # ships; without it PtyPy itself falls back to CuPy's FFT, chosen here outright.
        p.engines.e.fft_lib = os.environ.get("PHASIS_PTYPY_FFT", "cupy")
    P = Ptycho(p, level=2)
    logging.getLogger().setLevel(logging.WARNING)
    # object storage: our perturbed unit start; views give where each frame lands
    (ob,) = list(P.obj.storages.values())
    ob.data[:] = initial_object(ob.data.shape[-2:])[None]
    psize = np.asarray(ob.psize, dtype=float)
    key = {(int(y), int(x)): j for j, (y, x) in enumerate(d["pos"])}
    origins = set()
    for v in P.obj.views.values():
        if not v.active:
            continue
        yx = np.rint(np.asarray(v.coord, dtype=float) / psize).astype(int)
        dlow = np.asarray(v.dlow, dtype=int)
        # v.coord is the view's centre in metres; our positions are frame corners in pixels
        for corr in ((0, 0), (m // 2, m // 2)):
            j = key.get((int(yx[0] - corr[0]), int(yx[1] - corr[1])))
            if j is not None:
                origins.add(tuple(d["pos"][j] - dlow))
                break
        else:
            raise RuntimeError("PtyPy view at %s matches no scan position" % (yx,))
    if len(origins) != 1:
        raise RuntimeError("PtyPy views are not a translation of the scan positions: %s" % sorted(origins)[:4])
    origin = np.array(origins.pop())
    if not np.allclose(psize, [d["dy"], d["dx"]], rtol=1e-6):
        raise RuntimeError("PtyPy object pixel %s differs from phasis's %s" % (psize, (d["dy"], d["dx"])))
    P.init_communication()
    P.init_engine()
    engine = list(P.engines.values())[0]
    P.runtime.start = time.asctime()
    P.runtime.iter_info = []
    P.runtime.last_save = 0
    P.runtime.last_plot = 0
    engine.initialize()
    P.new_data = [(s.label, s) for s in P.diff.S.values()]
    engine.prepare()
    engine.numiter = iterations
    engine.iterate(1)  # warm-up
    sync_cupy()
    t0 = time.perf_counter()
    timed = 0
    while timed < iterations - 1 and not engine.finished:
        engine.iterate(1)
        timed += 1
        if max_seconds and time.perf_counter() - t0 > max_seconds:
            break
    sync_cupy()
    seconds = time.perf_counter() - t0
    done = engine.curiter
    engine.finalize()
    obj = np.asarray(list(P.obj.storages.values())[0].data)[0]
    pr = np.asarray(list(P.probe.storages.values())[0].data)[0]
    errs = []
    for info in P.runtime.iter_info:
        e = info.get("error")
        if e is not None:
            errs.append(float(np.mean(np.asarray(e)[..., 0])) if np.ndim(e) else float(e))
    try:  # ptypy.version appends the commit of whatever git repository the process runs in
        from importlib.metadata import version
        ver = version("ptypy")
    except Exception:
        ver = "unknown"
    info = dict(package="ptypy", version=ver,
                algorithm="%s (alpha=1, fourier_relax_factor=0, overlap_max_iterations=2)" % engine_name,
                iterations_run=done, iterations_timed=timed, seconds_timed=seconds, costs=errs)
    return obj, pr, origin, info


PEERS = {"tike": run_tike, "ptylab": run_ptylab, "ptypy": run_ptypy}


# ---------------------------------------------------------------------------------------------
# Driver


def stem_of(path):
    return os.path.splitext(os.path.basename(path))[0]


T_START = time.perf_counter()


def progress(msg):
    """A child's progress line on stderr (the parent lets it through as it comes), so a peer that
    is killed for taking too long still shows how far it got."""
    print("  [%s %.1f s] %s" % (os.environ.get("PHASIS_PEER", "peer"), time.perf_counter() - T_START, msg),
          file=sys.stderr, flush=True)


def one_peer(args):
    """Child process: run one peer, write its result, compare, print one JSON line."""
    os.environ["PHASIS_PEER"] = args.only
    d = read_cxi(args.cxi)
    progress("read %d frames of %d x %d" % (d["n"], d["m"], d["m"]))
    obj, probe, origin, info = PEERS[args.only](d, args.iterations, args.max_seconds, args.cpu)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"{stem_of(args.cxi)}_{args.only}.h5")
    ms = 1e3 * info["seconds_timed"] / info["iterations_timed"] if info["iterations_timed"] else float("nan")
    attrs = dict(peer=args.only, package_version=info["version"], algorithm=info["algorithm"], input=args.cxi,
                 iterations_run=int(info["iterations_run"]), ms_per_iteration=ms,
                 timing="wall time of iterations 2..n between device synchronisations; setup and transfers excluded")
    if info.get("costs"):
        attrs["cost"] = info["costs"]
    progress("ran %d iterations" % int(info["iterations_run"]))
    write_result(path, obj, probe, origin, attrs)
    rmse, cerr, _ = compare(args.phasis, path, args.cxi)
    row = dict(code=args.only, version=info["version"], algorithm=info["algorithm"], frames=d["n"], size=d["m"],
               iterations=int(info["iterations_run"]), ms_per_iteration=ms, phase_rmse=rmse, complex_error=cerr,
               result=path, input=args.cxi)
    print("ROW " + json.dumps(row), flush=True)


def phasis_row(args, d):
    import h5py
    with h5py.File(args.phasis_result, "r") as f:
        secs = np.asarray(f["iteration_seconds"], dtype=np.float64)
        device = f.attrs.get("device", b"")
        device = device.decode() if isinstance(device, bytes) else str(device)
    ms = 1e3 * float(np.mean(secs[1:])) if secs.size > 1 else 1e3 * float(secs.sum())
    rmse, cerr, _ = compare(args.phasis, args.phasis_result, args.cxi)
    return dict(code="phasis", version="", algorithm="DM (" + device + ")", frames=d["n"], size=d["m"],
                iterations=int(secs.size), ms_per_iteration=ms, phase_rmse=rmse, complex_error=cerr,
                result=args.phasis_result, input=args.cxi)


def fmt_row(r):
    return "%-14s %6d x %-4d %5d   %10.2f   %10.4f   %8.4f   %s" % (
        (r["code"] + " " + r.get("version", "")).strip(), r["frames"], r["size"], r["iterations"],
        r["ms_per_iteration"], r["phase_rmse"],
        r["complex_error"], r["algorithm"])


HEADER = "%-14s %13s %5s   %10s   %10s   %8s   %s" % ("code", "frames x M", "iter", "ms/iter", "phase RMSE",
                                                     "cplx err", "algorithm")


def print_table(path):
    rows, failures = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            (failures if "error" in r else rows).append(r)
    print(HEADER)
    for key in sorted({(r["frames"], r["size"]) for r in rows}):
        group = [r for r in rows if (r["frames"], r["size"]) == key]
        mine = [r for r in group if r["code"] == "phasis"]
        for r in sorted(group, key=lambda r: r["code"] != "phasis"):
            ratio = ""
            if mine and r["code"] != "phasis" and mine[0]["ms_per_iteration"] > 0:
                ratio = "   %.1fx phasis's time" % (r["ms_per_iteration"] / mine[0]["ms_per_iteration"])
            print(fmt_row(r) + ratio)
        others = [r for r in group if r["code"] != "phasis" and r["ms_per_iteration"] == r["ms_per_iteration"]]
        if mine and others:
            best = min(others, key=lambda r: r["ms_per_iteration"])
            print("  %d x %d: the fastest peer, %s, takes %.1fx phasis's time per iteration (target: >= 10x at "
                  "10,000 x 256)" % (key[0], key[1], best["code"], best["ms_per_iteration"] / mine[0]["ms_per_iteration"]))
    for r in failures:
        print("%-14s %s: did not run: %s" % (r["code"], os.path.basename(r.get("input", "")), r["error"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cxi", nargs="?", help="CXI file from phasis ptycho simulate (with its truth)")
    ap.add_argument("--peers", default="tike,ptylab,ptypy", help="comma-separated: " + ",".join(PEERS))
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--phasis", default="build/phasis", help="phasis binary (for compare)")
    ap.add_argument("--phasis-result", help="phasis reconstruction of the same file: adds its row")
    ap.add_argument("--out", default="peers-out", help="folder for the peers' result files")
    ap.add_argument("--json", help="append every row (and every failure) to this JSON-lines file")
    ap.add_argument("--max-seconds", type=float, default=0, help="stop a peer's timed iterations after this long")
    ap.add_argument("--capped", default="ptylab,ptypy", help="the peers --max-seconds applies to")
    ap.add_argument("--timeout", type=float, default=900, help="kill a peer's process after this long (s)")
    ap.add_argument("--cpu", action="store_true", help="run peers on the CPU (numpy) where they can")
    ap.add_argument("--table", metavar="ROWS", help="print the table of a JSON-lines file and exit")
    ap.add_argument("--only", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.table:
        print_table(args.table)
        return 0
    if not args.cxi:
        ap.error("a CXI file is required")
    if args.iterations < 2:
        ap.error("--iterations: expected >= 2 (the first is a warm-up)")
    if args.only:
        one_peer(args)
        return 0
    rows = []
    d = None
    if args.phasis_result:
        d = read_cxi(args.cxi)
        try:
            rows.append(phasis_row(args, d))
        except Exception as e:
            rows.append(dict(code="phasis", input=args.cxi, error=str(e)))
        del d
    print(HEADER, flush=True)
    if rows and "error" not in rows[0]:
        print(fmt_row(rows[0]), flush=True)
    for peer in [p for p in args.peers.split(",") if p]:
        if peer not in PEERS:
            rows.append(dict(code=peer, input=args.cxi, error="unknown peer"))
            continue
        cmd = [sys.executable, os.path.abspath(__file__), args.cxi, "--only", peer, "--iterations", str(args.iterations),
               "--phasis", args.phasis, "--out", args.out,
               "--max-seconds", str(args.max_seconds if peer in args.capped.split(",") else 0)] + (["--cpu"] if args.cpu else [])
        t = time.perf_counter()
        try:
            # stderr passes through as it comes (the child's progress lines and any traceback).
            r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=args.timeout)
            out = r.stdout
            found = [ln[4:] for ln in r.stdout.splitlines() if ln.startswith("ROW ")]
            if r.returncode == 0 and found:
                row = json.loads(found[-1])
                row["wall_seconds"] = time.perf_counter() - t
                rows.append(row)
                print(fmt_row(row), flush=True)
            else:
                tail = [ln for ln in out.strip().splitlines() if ln.strip()][-3:]
                why = " | ".join(tail) if tail else "exit code %d" % r.returncode
                rows.append(dict(code=peer, input=args.cxi, error=why))
                print("%-14s did not run: %s" % (peer, why), flush=True)
        except subprocess.TimeoutExpired:
            rows.append(dict(code=peer, input=args.cxi, error="killed after %.0f s (--timeout)" % args.timeout))
            print("%-14s did not finish in %.0f s" % (peer, args.timeout), flush=True)
    if args.json:
        with open(args.json, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
