#!/usr/bin/env python3
"""Calling overhead of the Python module against the CLI: a tiny reconstruction (10 DM iterations of
100 frames of 64 x 64 on the CPU), timed end to end both ways, median of --repeat runs.

  CLI:    `phasis ptycho reconstruct sim.cxi -o rec.h5 --iterations 10 --device cpu -q --no-pictures`
          (a process: start, read, solve, write the result file)
  Python: phasis.ptycho.reconstruct("sim.cxi", iterations=10, device="cpu") in this process
          (read, solve; no file written), and the same from arrays already in memory.
Each line gives the wall time and the solver's own time (the sum of its iteration times), whose
difference is what the call around the solver costs.

Usage: PYTHONPATH=build/python python3 bench/python_overhead.py --cli build/phasis [--repeat 5] [--threads 2]
"""
import argparse
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import phasis
from phasis import ptycho


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/phasis")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sim = Path(tmp) / "sim.cxi"
        subprocess.run([a.cli, "ptycho", "simulate", sim, "--positions", "100", "--frame-size", "64"], check=True,
                       capture_output=True)
        args = dict(iterations=10, device="cpu", threads=a.threads)
        rows = {"CLI (process, file in, file out)": [], "Python, from the file": [], "Python, from arrays": []}
        d = ptycho.read(str(sim))
        for _ in range(a.repeat):
            t = time.perf_counter()
            out = subprocess.run([a.cli, "ptycho", "reconstruct", sim, "-o", Path(tmp) / "rec.h5", "--iterations", "10",
                                  "--device", "cpu", "--threads", str(a.threads), "-q", "--no-pictures"],
                                 check=True, capture_output=True, text=True).stdout
            wall = time.perf_counter() - t
            solver = float(re.search(r"\(([\d.]+) s, [\d.]+ ms/iteration", out).group(1))
            rows["CLI (process, file in, file out)"].append((wall, solver))
            t = time.perf_counter()
            r = ptycho.reconstruct(str(sim), **args)
            rows["Python, from the file"].append((time.perf_counter() - t, sum(r.iteration_seconds)))
            t = time.perf_counter()
            r = ptycho.reconstruct(frames=d.frames, translations=d.translations, energy=d.energy, distance=d.distance,
                                   pixel_size=d.pixel_size, **args)
            rows["Python, from arrays"].append((time.perf_counter() - t, sum(r.iteration_seconds)))
        print(f"phasis {phasis.__version__}: 10 DM iterations, 100 x 64^2 frames, cpu "
              f"({phasis.describe_device('cpu', a.threads)}), median of {a.repeat}")
        print(f"{'path':36s} {'wall s':>8s} {'solver s':>9s} {'outside s':>10s}")
        for name, v in rows.items():
            wall = statistics.median(w for w, _ in v)
            solver = statistics.median(s for _, s in v)
            print(f"{name:36s} {wall:8.3f} {solver:9.3f} {wall - solver:10.3f}")


if __name__ == "__main__":
    main()
