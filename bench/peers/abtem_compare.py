#!/usr/bin/env python3
"""phasis against abTEM on crystals: plane-wave spots, HRTEM exit-wave intensity and a HAADF line.

Every case is a built-in crystal of phasis cut along a zone axis (`[structure] crystal`,
`zone_axis`, `repeat`); abTEM gets the same atoms (phasis.multislice.crystal, the function behind
the config's structure, so both simulate the same doubles). Each case also checks phasis's
orthogonal cell against one built independently with ase (ase.build.bulk or the hexagonal cell
written here, ase.build.cut for a cubic [uvw], abtem.orthogonalize_cell), modulo the cell and up to
mirrors x -> -x, y -> -y (the table says which, if any; a mirror image has the same spots).

Same for both codes: Lobato parametrization, infinite projection (phasis's `sampled` form, its
default and abTEM's method; --form pixel_average for the other one), the same grid (gpts =
ceil(extent / 0.05 A) per axis), the same slices (layers on the boundaries: both codes give a
boundary atom to the slice that starts there; abTEM is given the slices' number, see run_abtem),
200 keV, double precision, abTEM's antialiasing aperture made hard like phasis's
(antialias.taper = 0). Every figure must be within 1% (LIMIT); the exit code says whether it is.
Figures:

  spots: the exit wave's diffraction pattern (plane wave), every pixel above 1e-4 of the incident
         intensity in abTEM's; worst and median |phasis - abTEM| / abTEM over them.
  HRTEM: exit-wave intensity of the plane wave; ||phasis - abTEM|| / ||abTEM - mean|| (relative to
         the contrast, the stricter figure).
  lens image: that exit wave through a 15 mrad objective aperture (soft edge, both codes' default)
         at C10 = -100 A (abTEM's apply_ctf, phasis's [hrtem]); the same figure as HRTEM's.
  HAADF: 20 mrad probe, no aberrations, 70-160 mrad annulus, a line of 20 positions along the
         diagonal of one oriented cell (through the corner column); max |phasis - abTEM| / max(abTEM).

--source poscar writes the tabulated cell (cubic, or hexagonal with a along x) to a POSCAR that
phasis reads and cuts along the zone axis itself (`[structure] file`); abTEM then gets that cut
(phasis.multislice.read_atoms), repeated as phasis repeats it.

Usage (abTEM and h5py in a venv, see docs/multislice.md; phasis's Python module from the build):
  PYTHONPATH=build/python .whl/venv/bin/python bench/peers/abtem_compare.py --phasis build/phasis
      [--cases Si110,Au100] [--form pixel_average] [--source poscar] [--figure docs/img/abtem.png]
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ENERGY = 200e3
SAMPLING = 0.05  # A, the grid a user would pick
FLOOR = 1e-4  # spots: share of the incident intensity
SEMIANGLE = 20.0  # mrad
HAADF = (70.0, 160.0)  # mrad; the antialiased cutoff at 0.05 A is 167 mrad
POSITIONS = 20
LENS = (15.0, -100.0)  # HRTEM image: objective aperture [mrad] (soft edge: both defaults), C10 [A]
LIMIT = 0.01  # every figure within 1% of abTEM

# name: built-in crystal, zone axis, repeats (x, y, z) of the oriented cell, slices per oriented cell
CASES = {
    "SrTiO3100": ("SrTiO3", "100", (2, 2, 10), 2),
    "Au100": ("Au", "100", (2, 2, 10), 2),
    "Si100": ("Si", "100", (2, 2, 10), 4),
    "Si110": ("Si", "110", (2, 1, 5), 4),  # a x a sqrt2 x a sqrt2: 5 cells are 10 periods of a / sqrt2
    "GaN001": ("GaN", "001", (2, 1, 10), 2),
    "GaN100": ("GaN", "100", (2, 2, 10), 2),
    "MoS2001": ("MoS2", "001", (2, 1, 10), 4),
}
LATTICE = {"SrTiO3": 3.905, "Au": 4.078, "Si": 5.431, "GaN": (3.189, 5.185), "MoS2": (3.160, 12.294)}


def label(name):
    crystal, zone, *_ = CASES[name]
    return f"{crystal} [{zone}]"


def conventional(crystal):
    """The crystal's cell as tabulated (cubic, or hexagonal with a along x), built with ase: ase.Atoms."""
    import ase
    import ase.build

    if crystal in ("GaN", "MoS2"):
        a, c = LATTICE[crystal]
        t = 1.0 / 3
        sites = ([("Ga", (t, 2 * t, 0)), ("Ga", (2 * t, t, 0.5)), ("N", (t, 2 * t, 0.377)), ("N", (2 * t, t, 0.877))]
                 if crystal == "GaN" else
                 [("Mo", (t, 2 * t, 0.25)), ("Mo", (2 * t, t, 0.75)), ("S", (2 * t, t, 0.121)),
                  ("S", (2 * t, t, 0.379)), ("S", (t, 2 * t, 0.621)), ("S", (t, 2 * t, 0.879))])
        cell = [[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]]
        return ase.Atoms([s for s, _ in sites], scaled_positions=[p for _, p in sites], cell=cell, pbc=True)
    a = LATTICE[crystal]
    if crystal == "SrTiO3":
        frac = [("Sr", 0, 0, 0), ("Ti", .5, .5, .5), ("O", .5, .5, 0), ("O", .5, 0, .5), ("O", 0, .5, .5)]
        return ase.Atoms([s for s, *_ in frac], scaled_positions=[p for _, *p in frac], cell=[a, a, a], pbc=True)
    return ase.build.bulk(crystal, "fcc" if crystal == "Au" else "diamond", a=a, cubic=True)


def independent_cell(crystal, zone):
    """The oriented cell built with ase and abTEM alone (no phasis): ase.Atoms, orthogonal."""
    import abtem
    import ase
    import ase.build

    cell = conventional(crystal)
    if crystal in ("GaN", "MoS2"):
        ortho = abtem.orthogonalize_cell(cell)
        return abtem.orthogonalize_cell(ortho, plane="zy") if zone == "100" else ortho
    uvw = tuple(int(ch) for ch in zone)
    if uvw == (1, 0, 0):
        return abtem.orthogonalize_cell(cell, plane="yz")
    if uvw == (1, 1, 0):  # x along [0 0 1], y along [1 -1 0], z along [1 1 0]: turned onto the axes as it is
        cut = ase.build.cut(cell, a=(0, 0, 1), b=(1, -1, 0), c=(1, 1, 0))
        box = ase.Atoms(cut.numbers, cell=np.diag(cut.cell.lengths()), pbc=True)
        box.set_scaled_positions(cut.get_scaled_positions())
        return box
    raise ValueError(f"no independent cell for {crystal} [{zone}]")


def write_poscar(path, atoms):
    """A VASP 5 POSCAR of an ase.Atoms, Direct coordinates, every digit."""
    symbols = list(dict.fromkeys(atoms.get_chemical_symbols()))
    frac = atoms.get_scaled_positions()
    with open(path, "w") as f:
        f.write("abtem_compare\n1.0\n")
        for v in atoms.cell.array:
            f.write(" ".join(f"{x:.16f}" for x in v) + "\n")
        f.write(" ".join(symbols) + "\n" + " ".join(str(atoms.get_chemical_symbols().count(e)) for e in symbols) + "\n")
        f.write("Direct\n")
        for e in symbols:
            for sym, p in zip(atoms.get_chemical_symbols(), frac):
                if sym == e:
                    f.write(" ".join(f"{x:.16f}" for x in p) + "\n")


def tile(unit, rep):
    """phasis's repeat (atoms.cpp), in numpy with the same arithmetic: (numbers, positions, cell)."""
    cell = np.asarray(unit.cell)
    p = np.stack([unit.x, unit.y, unit.z], axis=1)
    numbers, positions = [], []
    for k in range(rep[2]):
        for j in range(rep[1]):
            for i in range(rep[0]):
                numbers.extend(unit.numbers)
                positions.extend(np.stack([p[:, 0] + i * cell[0], p[:, 1] + j * cell[1], p[:, 2] + k * cell[2]], 1))
    return np.asarray(numbers), np.asarray(positions), cell * np.asarray(rep)


def same_atoms(mine, theirs):
    """Whether phasis's cell holds the independent one's atoms (modulo the cell, 1e-6 A), as it is ("yes")
    or mirrored ("mirrored in x", ...); None if neither."""
    cell = np.asarray(mine.cell)
    if len(mine) != len(theirs) or not np.allclose(cell, np.diag(theirs.cell.array), atol=1e-6):
        return None
    p = np.stack([mine.x, mine.y, mine.z], axis=1)
    q = theirs.positions
    for name, sign in (("yes", (1, 1)), ("mirrored in x", (-1, 1)), ("mirrored in y", (1, -1)),
                       ("mirrored in x and y", (-1, -1))):
        pm = p * np.array([sign[0], sign[1], 1])
        left = list(range(len(q)))
        for z, r in zip(mine.numbers, pm):
            d = q[left] - r
            d -= np.round(d / cell) * cell
            hit = [i for i, dd in zip(left, d) if theirs.numbers[i] == z and np.abs(dd).max() < 1e-6]
            if not hit:
                break
            left.remove(hit[0])
        else:
            return name
    return None


def pattern(wave):
    return np.abs(np.fft.fft2(wave)) ** 2 / wave.size**2


def run_phasis(exe, folder, name, gpts, dz, wave, form, scan, poscar):
    crystal, zone, rep, _ = CASES[name]
    source = f'file = "{poscar}"' if poscar else f'crystal = "{crystal}"'
    cfg = f"""energy = {ENERGY}
[structure]
{source}
zone_axis = "{zone}"
repeat = [{rep[0]}, {rep[1]}, {rep[2]}]
[potential]
parametrization = "lobato"
gpts = [{gpts[0]}, {gpts[1]}]
slice_thickness = {dz!r}
projection = "infinite"
form = "{form}"
[run]
device = "cpu"
precision = "double"
"""
    if wave == "probe":
        (x0, y0), (x1, y1) = scan
        cfg += f"""[wave]
type = "probe"
semiangle = {SEMIANGLE}
[scan]
type = "line"
start = [{x0!r}, {y0!r}]
end = [{x1!r}, {y1!r}]
points = {POSITIONS}
[[detector]]
name = "HAADF"
inner = {HAADF[0]}
outer = {HAADF[1]}
"""
    else:
        cfg += f'[wave]\ntype = "plane"\n[hrtem]\naperture = {LENS[0]}\nC10 = {LENS[1]}\n'
    path = os.path.join(folder, f"{wave}.toml")
    with open(path, "w") as f:
        f.write(cfg)
    out = os.path.join(folder, f"{wave}.h5")
    subprocess.run([exe, "multislice", "run", path, "-o", out, "--no-pictures", "--no-report"], check=True,
                   stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as h:
        if wave == "probe":
            return np.asarray(h["stem/HAADF"])
        return np.asarray(h["hrtem/exit_wave"]).astype(complex), np.asarray(h["hrtem/image"])


def run_abtem(atoms, gpts, dz, wave, scan):
    import abtem
    import ase

    numbers, positions, cell = atoms
    at = ase.Atoms(numbers=numbers, positions=positions, cell=cell, pbc=True)
    # abTEM cuts ceil(thickness / slice_thickness) slices with no tolerance: Si [110]'s a sqrt2 / 4 gives
    # 20.000000000000004, 21 slices, where phasis (1e-6 tolerance) cuts 20. The user's 20 slices, given
    # as such, make abTEM cut what phasis cuts.
    n = round(cell[2] / dz)
    pot = abtem.Potential(at, gpts=gpts, slice_thickness=(cell[2] / n,) * n, parametrization="lobato",
                          projection="infinite")
    if wave == "probe":
        probe = abtem.Probe(energy=ENERGY, semiangle_cutoff=SEMIANGLE)
        line = abtem.LineScan(start=scan[0], end=scan[1], gpts=POSITIONS, endpoint=True)
        det = abtem.AnnularDetector(inner=HAADF[0], outer=HAADF[1])
        return np.asarray(probe.scan(pot, scan=line, detectors=det).compute().array)
    exit_wave = abtem.PlaneWave(energy=ENERGY).multislice(pot).compute()
    ctf = abtem.CTF(semiangle_cutoff=LENS[0], energy=ENERGY, aberration_coefficients={"C10": LENS[1]})
    image = exit_wave.apply_ctf(ctf).intensity().compute()
    return np.asarray(exit_wave.array).T, np.asarray(image.array).T  # (x, y) -> phasis (y, x)


def compare(exe, name, form, source):
    from phasis import multislice

    crystal, zone, rep, per_cell = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        poscar = None
        if source == "poscar":  # phasis cuts the tabulated cell read from a file
            poscar = os.path.join(tmp, "POSCAR")
            write_poscar(poscar, conventional(crystal))
            unit = multislice.read_atoms(poscar, zone_axis=zone)
            atoms = tile(unit, rep)
        else:  # phasis's built-in crystal; the function behind the config's, repeats included
            unit = multislice.crystal(crystal, 1, 1, 1, zone)
            full = multislice.crystal(crystal, *rep, zone)
            atoms = (np.asarray(full.numbers), np.stack([full.x, full.y, full.z], axis=1), np.asarray(full.cell))
        mirror = same_atoms(unit, independent_cell(crystal, zone))
        extent = atoms[2]
        gpts = [int(np.ceil(e / SAMPLING)) for e in extent[:2]]
        dz = unit.cell[2] / per_cell
        scan = ((0.0, 0.0), (unit.cell[0], unit.cell[1]))
        p_wave, p_image = run_phasis(exe, tmp, name, gpts, dz, "plane", form, scan, poscar)
        p_haadf = run_phasis(exe, tmp, name, gpts, dz, "probe", form, scan, poscar)
    a_wave, a_image = run_abtem(atoms, gpts, dz, "plane", scan)
    a_haadf = run_abtem(atoms, gpts, dz, "probe", scan)
    ref, got = pattern(a_wave), pattern(p_wave)
    spots = ref > FLOOR
    rel = np.abs(got[spots] - ref[spots]) / ref[spots]
    a_int, p_int = np.abs(a_wave) ** 2, np.abs(p_wave) ** 2
    return {
        "case": label(name), "cell": mirror or "NO", "atoms": len(atoms[0]),
        "extent": extent, "gpts": gpts, "sampling": extent[:2] / gpts, "dz": dz, "slices": round(extent[2] / dz),
        "spots": int(spots.sum()), "spot_worst": rel.max(), "spot_median": np.median(rel),
        "hrtem": np.linalg.norm(p_int - a_int) / np.linalg.norm(a_int - a_int.mean()),
        "image": np.linalg.norm(p_image - a_image) / np.linalg.norm(a_image - a_image.mean()),
        "haadf": np.max(np.abs(p_haadf - a_haadf)) / np.max(a_haadf),
        "profile": (p_haadf, a_haadf), "intensity": (p_int, a_int),
    }


def table(rows):
    out = [f"| case | cell, extent; the same as ase's | grid (sampling), slices | spots | spots: worst, median "
           f"| HRTEM: L2 / L2 of contrast | lens image: same | HAADF: max / max |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        e, g, s = r["extent"], r["gpts"], r["sampling"]
        out.append(f"| {r['case']} | {r['atoms']} atoms, {e[0]:.3f} x {e[1]:.3f} x {e[2]:.2f} A; {r['cell']} "
                   f"| {g[0]} x {g[1]} ({s[0]:.4f}, {s[1]:.4f} A), {r['slices']} of {r['dz']:.4f} A | {r['spots']} "
                   f"| {r['spot_worst']:.2g}, {r['spot_median']:.2g} | {r['hrtem']:.2g} | {r['image']:.2g} "
                   f"| {r['haadf']:.2g} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phasis", default="build/phasis", help="the phasis binary")
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    ap.add_argument("--form", default="sampled", choices=["sampled", "pixel_average"],
                    help="phasis's [potential] form (sampled is abTEM's method and phasis's default)")
    ap.add_argument("--source", default="builtin", choices=["builtin", "poscar"],
                    help="phasis's structure: its built-in crystal, or the tabulated cell written to a POSCAR")
    ap.add_argument("--figure", help="write a PNG of the first case's HAADF line and HRTEM difference (matplotlib)")
    a = ap.parse_args()
    names = [n for n in a.cases.split(",") if n]
    unknown = [n for n in names if n not in CASES]
    if unknown or not names:
        print(f"abtem_compare: unknown case {', '.join(unknown) or '(none)'}; expected some of {', '.join(CASES)}",
              file=sys.stderr)
        return 2
    import abtem

    abtem.config.set({"device": "cpu", "precision": "float64", "antialias.taper": 0.0})
    rows = []
    for n in names:
        rows.append(compare(a.phasis, n, a.form, a.source))
        r = rows[-1]
        print(f"{r['case']}: cell {r['cell']}, spots {r['spot_worst']:.3g} / {r['spot_median']:.3g}, "
              f"HRTEM {r['hrtem']:.3g}, lens image {r['image']:.3g}, HAADF {r['haadf']:.3g}", flush=True)
    print(f"\nabTEM {abtem.__version__}, {datetime.date.today()}; phasis form {a.form}, source {a.source}, "
          f"{ENERGY / 1e3:.0f} keV, "
          f"HAADF {HAADF[0]:.0f}-{HAADF[1]:.0f} mrad, {POSITIONS} positions, spots above {FLOOR}\n")
    print(table(rows))
    worst = [max(r["spot_worst"], r["hrtem"], r["image"], r["haadf"]) for r in rows]
    bad = [r["case"] for r, w in zip(rows, worst) if w > LIMIT or r["cell"] == "NO"]
    print(f"\nwithin {100 * LIMIT:g}% of abTEM, same cell: " + ("yes" if not bad else "NO: " + ", ".join(bad)))
    if a.figure:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        r = rows[0]
        fig, ax = plt.subplots(1, 3, figsize=(12, 3.6))
        ax[0].plot(r["profile"][0], "o-", label="phasis")
        ax[0].plot(r["profile"][1], "x--", label="abTEM")
        ax[0].set_title(f"{r['case']} HAADF line")
        ax[0].legend()
        ax[1].imshow(r["intensity"][0], cmap="gray")
        ax[1].set_title("phasis exit-wave intensity")
        im = ax[2].imshow(r["intensity"][0] - r["intensity"][1], cmap="RdBu")
        ax[2].set_title("phasis - abTEM")
        fig.colorbar(im, ax=ax[2])
        fig.tight_layout()
        fig.savefig(a.figure, dpi=90)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
