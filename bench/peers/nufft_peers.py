#!/usr/bin/env python3
"""finufft (CPU) and cufinufft (GPU) on bench_nufft's problem, printing bench_nufft's columns.

The problem is bench/nufft/problem.hpp's formula (splitmix64 streams), made here in numpy, so both
programs transform the same points, strengths and modes: 3D, type 1 with sign +1 and type 2 with
sign -1, double at tolerance 1e-6 on the CPU and float at 1e-5 on the GPU, the same thread count.
Times: the median of --repeats for setpts and for execute (plan creation and host-device copies
excluded, as in bench_nufft); the error is measured at the same sampled modes / points against
direct sums in double.

Usage: nufft_peers.py [--device cpu|cuda|both] [--points 1e7] [--modes 128,256] [--threads N]
                      [--repeats 3] [--types 1,2] [--samples 16]
"""
import argparse
import os
import sys
import time

import numpy as np

U64 = np.uint64


def splitmix64(z):
    z = z + U64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> U64(27))) * U64(0x94D049BB133111EB)
    return z ^ (z >> U64(31))


def hashes(stream, idx):
    return splitmix64((U64(stream) << U64(40)) + idx.astype(np.uint64))


def uniform(stream, idx):
    return (hashes(stream, idx) >> U64(11)).astype(np.float64) * 2.0**-53


def problem(m):
    j = np.arange(m, dtype=np.uint64)
    xyz = [2 * np.pi * uniform(d, j) - np.pi for d in range(3)]
    c = (2 * uniform(3, j) - 1) + 1j * (2 * uniform(4, j) - 1)
    return xyz, c


def modes_of(n):
    """Array f[ix, iy, iz] (x first, as finufft's Python interface) with phasis' mode values."""
    ix, iy, iz = np.meshgrid(*(np.arange(n, dtype=np.uint64),) * 3, indexing="ij")
    r = ix + U64(n) * (iy + U64(n) * iz)
    return (2 * uniform(5, r) - 1) + 1j * (2 * uniform(6, r) - 1)


def type1_error(xyz, c, f, n, samples):
    r = hashes(7, np.arange(samples, dtype=np.uint64)) % U64(n**3)
    r = r.astype(np.int64)
    k = [r % n - n // 2, r // n % n - n // 2, r // (n * n) - n // 2]
    x = [a.astype(np.float64) for a in xyz]
    cc = c.astype(np.complex128)
    num = den = 0.0
    for s in range(samples):
        ref = np.sum(cc * np.exp(1j * (k[0][s] * x[0] + k[1][s] * x[1] + k[2][s] * x[2])))
        got = f[k[0][s] + n // 2, k[1][s] + n // 2, k[2][s] + n // 2]
        num += abs(got - ref) ** 2
        den += abs(ref) ** 2
    return np.sqrt(num / den)


def type2_error(xyz, f, c, n, samples):
    js = (hashes(8, np.arange(samples, dtype=np.uint64)) % U64(len(c))).astype(np.int64)
    k = np.arange(n) - n // 2
    num = den = 0.0
    for j in js:
        e = [np.exp(-1j * k * float(xyz[d][j])) for d in range(3)]
        ref = np.einsum("i,j,k,ijk->", e[0], e[1], e[2], f.astype(np.complex128))
        num += abs(c[j] - ref) ** 2
        den += abs(ref) ** 2
    return np.sqrt(num / den)


def row(device, code, n, typ, prec, tol, threads, ts, te, m, err):
    print(f"| {device} | {code} | {n}^3 | {typ} | {prec} | {tol:.0e} | {threads} | {ts:.3f} | {te:.3f} | "
          f"{m / te / 1e6:.1f} | {m / (ts + te) / 1e6:.1f} | {err:.1e} |", flush=True)


def run_cpu(a, xyz, c):
    import finufft
    m = len(c)
    for n in a.modes:
        for typ in a.types:
            plan = finufft.Plan(typ, (n, n, n), eps=1e-6, isign=1 if typ == 1 else -1,
                                nthreads=a.threads, dtype="complex128")
            fin = modes_of(n) if typ == 2 else None
            ts, te = [], []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                plan.setpts(xyz[0], xyz[1], xyz[2])
                ts.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                out = plan.execute(c if typ == 1 else fin)
                te.append(time.perf_counter() - t0)
            err = type1_error(xyz, c, out, n, a.samples) if typ == 1 else type2_error(xyz, fin, out, n, a.samples)
            row("cpu", f"finufft {finufft.__version__}", n, typ, "double", 1e-6, a.threads,
                np.median(ts), np.median(te), m, err)
            del plan, out


def run_gpu(a, xyz, c):
    import cupy as cp
    import cufinufft
    m = len(c)
    x32 = [v.astype(np.float32) for v in xyz]
    c64 = c.astype(np.complex64)
    dx = [cp.asarray(v) for v in x32]
    dc = cp.asarray(c64)
    sync = cp.cuda.Device().synchronize
    for n in a.modes:
        for typ in a.types:
            plan = cufinufft.Plan(typ, (n, n, n), eps=1e-5, isign=1 if typ == 1 else -1, dtype="complex64")
            fin = modes_of(n).astype(np.complex64) if typ == 2 else None
            dfin = cp.asarray(fin) if typ == 2 else None
            ts, te = [], []
            for _ in range(a.repeats):
                sync()
                t0 = time.perf_counter()
                plan.setpts(dx[0], dx[1], dx[2])
                sync()
                ts.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                out = plan.execute(dc if typ == 1 else dfin)
                sync()
                te.append(time.perf_counter() - t0)
            host = cp.asnumpy(out)
            err = type1_error(x32, c64, host, n, a.samples) if typ == 1 else type2_error(x32, fin, host, n, a.samples)
            row("cuda", f"cufinufft {cufinufft.__version__}", n, typ, "float", 1e-5, 0,
                np.median(ts), np.median(te), m, err)
            del plan, out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda", "both"])
    p.add_argument("--points", type=float, default=1e7)
    p.add_argument("--modes", default="128,256")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--types", default="1,2")
    p.add_argument("--samples", type=int, default=16)
    p.add_argument("--header", action="store_true", help="print the table header first")
    a = p.parse_args()
    a.modes = [int(float(v)) for v in a.modes.split(",")]
    a.types = [int(v) for v in a.types.split(",")]
    m = int(a.points)
    print(f"nufft_peers: 3D, {m} points, {a.threads} threads, median of {a.repeats}, error at {a.samples} samples",
          flush=True)
    if a.header:
        print("| device | code | modes | type | precision | tol | threads | set_points s | execute s | "
              "Mpts/s execute | Mpts/s set_points+execute | rel. error |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    xyz, c = problem(m)
    failed = False
    for device, fn in (("cpu", run_cpu), ("cuda", run_gpu)):
        if a.device in (device, "both"):
            try:
                fn(a, xyz, c)
            except Exception as e:  # report and go on with the other device
                print(f"nufft_peers: {device} failed: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
