#!/usr/bin/env python3
"""Checks the conventions ptycho_peers.py hands to the peers, on a file from `phasis ptycho
simulate` (it holds the truth), without running any peer:

 1. positions and data layout: the frames rebuilt from the truth object and probe, with the
    positions read_cxi() derives (frame corners in object pixels, rows = y) and an orthonormal
    forward FFT, equal the recorded frames after the shift each peer is given (tike: zero frequency
    at the corners; PtyLab's fft2c: at the centre, as recorded);
 2. the result writer: the truth object written in the result layout, cropped and placed at a
    different origin, scores ~0 in `phasis ptycho compare`; the truth conjugated (a wrong FFT sign)
    or transposed (x and y swapped) scores far worse, so a wrong convention would show.

    check_conventions.py SIM.cxi --phasis build/phasis
"""
import argparse
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptycho_peers as pp  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cxi")
    ap.add_argument("--phasis", default="build/phasis")
    ap.add_argument("--frames", type=int, default=64, help="frames rebuilt in check 1")
    a = ap.parse_args()
    d = pp.read_cxi(a.cxi)
    with h5py.File(a.cxi, "r") as f:
        tobj = np.asarray(f["entry_1/phasis_truth/object"]).astype(np.complex128)
        tprobe = np.asarray(f["entry_1/phasis_truth/probe"]).astype(np.complex128)
    if tprobe.ndim == 3:
        sys.exit("check_conventions: expected a single-mode simulation")
    m = d["m"]
    toy, tox = (int(v) for v in d["truth_origin"])
    ok = True

    # 1. data layout
    worst_corner = worst_centre = 0.0
    for j in np.linspace(0, d["n"] - 1, min(a.frames, d["n"])).astype(int):
        y, x = d["pos"][j, 0] - toy, d["pos"][j, 1] - tox
        far = np.fft.fft2(tprobe * tobj[y:y + m, x:x + m], norm="ortho")
        inten = np.abs(far) ** 2
        meas = d["frames"][j].astype(np.float64)
        scale = meas.max()
        worst_corner = max(worst_corner, np.abs(np.fft.ifftshift(meas) - inten).max() / scale)  # tike's layout
        # PtyLab's fft2c: fftshift(fft2(ifftshift(esw))) with the recorded (centred) frame
        far_c = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(tprobe * tobj[y:y + m, x:x + m]), norm="ortho"))
        worst_centre = max(worst_centre, np.abs(meas - np.abs(far_c) ** 2).max() / scale)
    print("1. frames rebuilt from the truth: max |difference| / max frame = %.2e (zero frequency at the corners, "
          "tike), %.2e (centred fft2c, PtyLab)" % (worst_corner, worst_centre))
    ok &= worst_corner < 1e-4 and worst_centre < 1e-4

    # 2. result writer + compare
    origin, shape = pp.object_frame(d["pos"], m)
    print("   object frame for the peers: origin (%d, %d), %d x %d; truth origin (%d, %d), %d x %d"
          % (origin[0], origin[1], shape[0], shape[1], toy, tox, *tobj.shape))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        cut = 5  # a crop that moves the origin
        variants = {
            "truth, cropped, origin moved": (tobj[cut:, cut + 2:], (toy + cut, tox + cut + 2)),
            "truth x 0.5 exp(1.3i)": (0.5 * np.exp(1.3j) * tobj, (toy, tox)),
            "truth conjugated": (np.conj(tobj), (toy, tox)),
            "truth transposed": (tobj.T.copy(), (tox, toy)),
        }
        for name, (obj, org) in variants.items():
            path = os.path.join(tmp, "r.h5")
            pp.write_result(path, obj, tprobe, org, dict(peer="check"))
            rmse, cerr, _ = pp.compare(a.phasis, path, a.cxi)
            results[name] = (rmse, cerr)
            print("2. %-30s phase RMSE %.4f rad, complex error %.4f" % (name, rmse, cerr))
    good = [results["truth, cropped, origin moved"], results["truth x 0.5 exp(1.3i)"]]
    bad = [results["truth conjugated"], results["truth transposed"]]
    ok &= all(r[0] < 1e-3 for r in good) and all(r[0] > 0.1 for r in bad)
    print("conventions: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
