# phasis.nufft.Plan against direct sums, in FINUFFT's conventions (f's shape is n_modes, x pairs
# with axis 0, modes -N/2 .. (N-1)/2), and its array handling: results written into `out` in place,
# new results as views of the engine's buffers, one-line errors instead of conversions.
import numpy as np
import pytest

import phasis
from phasis import nufft

rng = np.random.default_rng(3)


def modes_1d(n, modeord=0):
    k = np.arange(-(n // 2), (n - 1) // 2 + 1)
    return np.fft.ifftshift(k) if modeord else k


def direct_type1(points, c, n_modes, isign, modeord=0):
    """f[k] = sum_j c_j exp(isign i k . x_j), f of shape n_modes."""
    grids = np.meshgrid(*[modes_1d(n, modeord) for n in n_modes], indexing="ij")
    phase = sum(g[..., None] * x for g, x in zip(grids, points))
    return np.exp(isign * 1j * phase) @ c


def direct_type2(points, f, isign):
    grids = np.meshgrid(*[modes_1d(n) for n in f.shape], indexing="ij")
    phase = sum(g[..., None] * x for g, x in zip(grids, points))
    return np.tensordot(f, np.exp(isign * 1j * phase), axes=f.ndim)


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("n_modes", [(16, 12), (10, 8, 6)])
@pytest.mark.parametrize("dtype,eps", [("complex128", 1e-9), ("complex64", 1e-5)])
def test_type1_and_type2_match_direct_sums(n_modes, dtype, eps):
    real = np.float64 if dtype == "complex128" else np.float32
    m = 200
    pts = [rng.uniform(-np.pi, np.pi, m).astype(real) for _ in n_modes]
    c = (rng.standard_normal(m) + 1j * rng.standard_normal(m)).astype(dtype)
    p1 = nufft.Plan(1, n_modes, eps=eps, dtype=dtype)
    p1.setpts(*pts)
    f = p1.execute(c)
    assert f.shape == n_modes and f.dtype == np.dtype(dtype)
    # The relative l2 error of a NUFFT tracks the requested eps; 10 x eps leaves room for the
    # kernel's estimate and, in single precision, for rounding of the sums (~1e-6).
    tol = 10 * eps if dtype == "complex128" else 1e-4
    assert rel(f, direct_type1([x.astype(float) for x in pts], c, n_modes, +1)) < tol

    fin = (rng.standard_normal(n_modes) + 1j * rng.standard_normal(n_modes)).astype(dtype)
    p2 = nufft.Plan(2, n_modes, eps=eps, dtype=dtype)
    p2.setpts(*pts)
    cout = p2.execute(fin)
    assert cout.shape == (m,)
    assert rel(cout, direct_type2([x.astype(float) for x in pts], fin, -1)) < tol


def test_fft_order_several_transforms_and_adjoint():
    m, n_modes = 150, (8, 10)
    x, y = rng.uniform(-np.pi, np.pi, (2, m))
    c = rng.standard_normal((3, m)) + 1j * rng.standard_normal((3, m))
    p = nufft.Plan(1, n_modes, n_trans=3, eps=1e-10, isign=-1, modeord=1)
    p.setpts(x, y)
    f = p.execute(c)
    assert f.shape == (3, *n_modes)
    for t in range(3):
        assert rel(f[t], direct_type1([x, y], c[t], n_modes, -1, modeord=1)) < 1e-8
    # The adjoint of type 1 with sign -1 is type 2 with sign +1: <f, A c> = <A^H f, c>.
    g = rng.standard_normal((3, *n_modes)) + 1j * rng.standard_normal((3, *n_modes))
    back = p.execute_adjoint(g)
    assert back.shape == (3, m)
    assert abs(np.vdot(g, f) - np.vdot(back, c)) < 1e-8 * abs(np.vdot(g, f))


def test_out_is_written_in_place_and_results_are_views():
    m, n_modes = 64, (8, 8)
    x, y = rng.uniform(-np.pi, np.pi, (2, m))
    c = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    p = nufft.Plan(1, n_modes, eps=1e-9)
    p.setpts(x, y)
    out = np.zeros(n_modes, np.complex128)
    r = p.execute(c, out=out)
    assert r is out and np.shares_memory(r, out)
    assert np.abs(out).max() > 0
    # A new result is a view of the engine's own buffer (no copy into numpy's memory).
    f = p.execute(c)
    assert not f.flags.owndata
    np.testing.assert_array_equal(f, out)
    # Inputs are read in place: a read-only array is accepted and left as it was.
    c_ro = c.copy()
    c_ro.flags.writeable = False
    np.testing.assert_array_equal(p.execute(c_ro), out)


def test_wrong_arrays_are_refused_with_one_line_never_converted():
    m = 32
    x, y = rng.uniform(-np.pi, np.pi, (2, m))
    p = nufft.Plan(1, (8, 8), eps=1e-6)
    with pytest.raises(phasis.InputError, match="expected points first"):
        p.execute(np.zeros(m, np.complex128))
    with pytest.raises(phasis.InputError, match=r"setpts x: expected a C-contiguous float64 .* found a float32"):
        p.setpts(x.astype(np.float32), y)
    with pytest.raises(phasis.InputError, match="setpts y: expected .* shape \\(32,\\)"):
        p.setpts(x, y[:16])
    with pytest.raises(phasis.InputError, match="expected x and y"):
        p.setpts(x, y, y)
    p.setpts(x, y)
    c = np.zeros(2 * m, np.complex128)
    for bad, words in [
        (c[::2], "not C-contiguous"),  # a strided view would need a copy: refused
        (c[:m].astype(np.complex64), "found a complex64"),
        (c[:m].real.copy(), "found a float64"),
        (np.zeros(m + 1, np.complex128), "shape \\(33,\\)"),
    ]:
        with pytest.raises(phasis.InputError, match=words) as e:
            p.execute(bad)
        assert "\n" not in str(e.value)
    with pytest.raises(phasis.InputError, match="out \\(modes f\\): expected .* shape \\(8, 8\\)"):
        p.execute(c[:m], out=np.zeros((8, 9), np.complex128))
    for kwargs, words in [
        (dict(nufft_type=3, n_modes=(8, 8)), "type: expected 1 or 2"),
        (dict(nufft_type=1, n_modes=(8,)), "expected 2 or 3 mode counts"),
        (dict(nufft_type=1, n_modes=(8, 8), eps=1e-20), "tolerance"),
        (dict(nufft_type=1, n_modes=(8, 8), dtype="float32"), "dtype: expected complex64 or complex128"),
        (dict(nufft_type=1, n_modes=(8, 8), device="gpu"), "device"),
    ]:
        with pytest.raises(phasis.InputError, match=words):
            nufft.Plan(**kwargs)
