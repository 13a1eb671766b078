# On a GPU machine (the lead's; skipped without CuPy, a CUDA build or a GPU): CuPy arrays into a
# CUDA NUFFT plan and CuPy arrays back, with no host copy on the way (the plan takes device
# pointers only), against the CPU plan on the same points.
import numpy as np
import pytest

import phasis
from phasis import nufft

cp = pytest.importorskip("cupy")
if not (phasis.built_with_cuda() and phasis.cuda_available()):
    pytest.skip("no CUDA build or no GPU", allow_module_level=True)


@pytest.mark.parametrize("dtype,tol", [("complex64", 1e-4), ("complex128", 1e-8)])
def test_cupy_in_cupy_out_without_host_copies(dtype, tol):
    real = np.float32 if dtype == "complex64" else np.float64
    rng = np.random.default_rng(5)
    m, n_modes = 5000, (32, 24, 16)
    pts = [rng.uniform(-np.pi, np.pi, m).astype(real) for _ in n_modes]
    c = (rng.standard_normal(m) + 1j * rng.standard_normal(m)).astype(dtype)
    cpu = nufft.Plan(1, n_modes, eps=tol / 10, dtype=dtype)
    cpu.setpts(*pts)
    ref = cpu.execute(c)

    gpu = nufft.Plan(1, n_modes, eps=tol / 10, dtype=dtype, device="cuda:0")
    gpu.setpts(*[cp.asarray(x) for x in pts])
    c_d = cp.asarray(c)
    f_d = gpu.execute(c_d)
    assert isinstance(f_d, cp.ndarray) and f_d.shape == n_modes and f_d.dtype == cp.dtype(dtype)
    assert np.linalg.norm(cp.asnumpy(f_d) - ref) / np.linalg.norm(ref) < tol

    out = cp.zeros(n_modes, dtype)
    r = gpu.execute(c_d, out=out)
    assert r.data.ptr == out.data.ptr  # written in place on the GPU
    back = gpu.execute_adjoint(out)  # type 2 from a CuPy array, to a new CuPy array
    assert isinstance(back, cp.ndarray) and back.shape == (m,)
    # A host array on a GPU plan is refused, not copied.
    with pytest.raises(phasis.InputError, match="on a GPU"):
        gpu.execute(c)
