# phasis.ptycho against the CLI on the same small scan: the same object, probe and errors from a
# file, and from the same frames passed as arrays; the comparison's figures as `ptycho compare`
# prints them; arrays read in place and returned as views; one-line errors, the CLI's messages.
import re

import numpy as np
import pytest

import phasis
from phasis import ptycho

h5py = pytest.importorskip("h5py")

SIM = dict(frame_size=32, positions=60, seed=3)
# CPU sums are deterministic for a given thread count (docs/architecture.md), so the CLI and the
# module, running the same solver code on the same problem, agree to the last bit.
REC = dict(iterations=6, device="cpu", threads=2)


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    path = tmp_path_factory.mktemp("ptycho") / "sim.cxi"
    ptycho.simulate(str(path), **SIM)
    return path


def cli_reconstruct(cli, scan, tmp_path, *extra):
    out = tmp_path / "rec.h5"
    cli("ptycho", "reconstruct", scan, "-o", out, "--iterations", REC["iterations"], "--device", "cpu",
        "--threads", REC["threads"], "--no-pictures", "-q", *extra)
    with h5py.File(out, "r") as f:
        return out, f["object"][()], f["probe"][()], f["fourier_error"][()], f["r_factor"][()]


def test_simulate_writes_what_the_cli_writes(cli, scan, tmp_path):
    other = tmp_path / "cli.cxi"
    cli("ptycho", "simulate", other, "--frame-size", 32, "--positions", 60, "--seed", 3)
    with h5py.File(scan, "r") as a, h5py.File(other, "r") as b:
        for key in ["entry_1/data_1/data", "entry_1/sample_1/geometry_1/translation", "entry_1/phasis_truth/object"]:
            np.testing.assert_array_equal(a[key][()], b[key][()])


@pytest.mark.parametrize("algorithm", ["dm", "dm:3,ml:3", "lsqml"])
def test_reconstruct_equals_the_cli_from_a_file_and_from_arrays(cli, scan, tmp_path, algorithm):
    _, obj, probe, errors, r_factor = cli_reconstruct(cli, scan, tmp_path, "--algorithm", algorithm)
    r = ptycho.reconstruct(str(scan), algorithm=algorithm, **REC)
    obj_py = r.object[0] if obj.ndim == 2 else r.object
    probe_py = r.probe[0] if probe.ndim == 2 else r.probe
    np.testing.assert_array_equal(obj_py, obj)
    np.testing.assert_array_equal(probe_py, probe)
    np.testing.assert_array_equal(r.errors, errors)
    assert r.r_factor == r_factor and 0 < r_factor < 1
    assert r.algorithm == algorithm and r.device == "cpu"

    d = ptycho.read(str(scan))
    a = ptycho.reconstruct(frames=d.frames, translations=d.translations, energy=d.energy, distance=d.distance,
                           pixel_size=d.pixel_size, algorithm=algorithm, **REC)
    np.testing.assert_array_equal(a.object, r.object)
    np.testing.assert_array_equal(a.errors, r.errors)
    np.testing.assert_array_equal(ptycho.reconstruct(d, algorithm=algorithm, **REC).object, r.object)


def test_counting_data_get_the_clis_fourier_relaxation(cli, tmp_path):
    # fourier_relax="auto" resolves as the CLI's default does (the power bound for photon counts),
    # whether the frames come from a file or from arrays.
    counts = tmp_path / "counts.cxi"
    ptycho.simulate(str(counts), frame_size=32, positions=60, seed=3, noise="poisson", photons=1e3)
    _, obj, _, errors, _ = cli_reconstruct(cli, counts, tmp_path)
    r = ptycho.reconstruct(str(counts), **REC)
    np.testing.assert_array_equal(r.object[0] if obj.ndim == 2 else r.object, obj)
    np.testing.assert_array_equal(r.errors, errors)
    d = ptycho.read(str(counts))
    np.testing.assert_array_equal(ptycho.reconstruct(d, **REC).object, r.object)
    exact = ptycho.reconstruct(d, fourier_relax=0, **REC)
    assert not np.array_equal(exact.object, r.object)  # auto did choose the power bound
    with pytest.raises(phasis.InputError, match="fourier relax: expected auto or a number"):
        ptycho.reconstruct(d, fourier_relax="much", **REC)


def test_compare_prints_the_cli_figures(cli, scan, tmp_path):
    out, *_ = cli_reconstruct(cli, scan, tmp_path)
    text = cli("ptycho", "compare", out, scan).stdout
    rmse, err = map(float, re.search(r"phase RMSE ([\d.]+) rad; complex error ([\d.]+)", text).groups())
    r = ptycho.reconstruct(str(scan), **REC)
    for c in [ptycho.compare(r, str(scan)), ptycho.compare(str(out), str(scan)), ptycho.compare(r, ptycho.read(str(scan)))]:
        assert f"{c.phase_rmse:.4f}" == f"{rmse:.4f}" and f"{c.complex_error:.4f}" == f"{err:.4f}"


def test_arrays_are_read_in_place_and_returned_as_views(scan):
    d = ptycho.read(str(scan))
    frames = d.frames.copy()
    frames.flags.writeable = False  # the engine never writes its input
    before = frames.copy()
    r = ptycho.reconstruct(frames=frames, translations=d.translations, energy=d.energy, distance=d.distance,
                           pixel_size=d.pixel_size, **REC)
    np.testing.assert_array_equal(frames, before)
    # Results are numpy views of the engine's buffers, kept alive by the result: no copy on the way
    # out, and every access is the same memory.
    for a in [r.object, r.probe, r.errors, d.frames, d.truth_object]:
        assert not a.flags.owndata
    assert np.shares_memory(r.object, r.object) and r.object is r.object
    obj = r.object
    del r
    assert np.isfinite(obj).all()  # the view keeps the result's memory


def test_progress_callback_and_its_exception(scan):
    seen = []
    ptycho.reconstruct(str(scan), progress=seen.append, **REC)
    assert [p.done for p in seen] == list(range(1, REC["iterations"] + 1))
    assert seen[-1].task == "dm" and seen[-1].total == REC["iterations"] and seen[-1].values[0][0] == "error"

    def stop(p):
        if p.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ptycho.reconstruct(str(scan), progress=stop, **REC)


def test_bad_input_is_one_line_with_the_cli_message(cli, scan, tmp_path):
    d = ptycho.read(str(scan))
    kw = dict(translations=d.translations, energy=d.energy, distance=d.distance, pixel_size=d.pixel_size)
    cases = [
        (dict(frames=d.frames.astype(np.float64), **kw), "frames: expected a C-contiguous float32 array of shape (N, M, M)"),
        (dict(frames=d.frames[:, ::2, ::2], **kw), "not C-contiguous"),
        (dict(frames=d.frames[0], **kw), "found a float32 array of shape (32, 32)"),
        (dict(frames=d.frames, translations=d.translations[:, :2], energy=1e-15, distance=1.0, pixel_size=(1e-4, 1e-4)),
         "translations: expected a C-contiguous float64 array of shape (60, 3)"),
        (dict(frames=-d.frames, **kw), "frames: expected finite, non-negative intensities"),
        (dict(frames=d.frames, **{**kw, "energy": -1.0}), "energy: expected a positive, finite value"),
        (dict(input=str(scan), algorithm="dm:0"), None),
        (dict(input=str(scan), device="tpu"), None),
        (dict(input=str(scan), iterations=0), "iterations: expected at least 1"),
        (dict(input=str(tmp_path / "none.cxi")), None),
    ]
    for kwargs, words in cases:
        with pytest.raises(phasis.InputError) as e:
            ptycho.reconstruct(**{**REC, **kwargs})
        msg = str(e.value)
        assert "\n" not in msg
        if words:
            assert words in msg, msg
    # The same message as the CLI's one line, without its "phasis: error: " prefix.
    r = cli("ptycho", "reconstruct", tmp_path / "none.cxi", "-o", tmp_path / "o.h5", check=False)
    with pytest.raises(phasis.InputError) as e:
        ptycho.reconstruct(str(tmp_path / "none.cxi"))
    assert r.returncode == 2 and r.stderr.strip() == "phasis: error: " + str(e.value)
    with pytest.raises(phasis.InputError) as e:
        ptycho.reconstruct(str(scan), algorithm="dm:0", **REC)
    r = cli("ptycho", "reconstruct", scan, "-o", tmp_path / "o.h5", "--algorithm", "dm:0", check=False)
    assert r.returncode == 2 and str(e.value) in r.stderr
