"""phasis: coherent diffractive imaging.

Submodules: ``phasis.ptycho`` (simulate, read, reconstruct, compare), ``phasis.multislice``
(atoms, run), ``phasis.spi`` (simulate, read, reconstruct, compare) and ``phasis.nufft`` (Plan).
Errors are ``phasis.InputError`` (also a ValueError), ``phasis.DeviceError`` and
``phasis.InternalError``, all ``phasis.Error``, with the CLI's one-line messages.
docs/python.md has a worked example of each.
"""
import sys as _sys

from ._phasis import (  # noqa: F401
    DeviceError,
    Error,
    InputError,
    InternalError,
    Progress,
    __version__,
    built_with_cuda,
    cuda_available,
    cuda_device_count,
    describe_device,
    multislice,
    nufft,
    ptycho,
    spi,
)

# The submodules live in the extension; registering them lets `import phasis.nufft` work too.
for _name in ("ptycho", "multislice", "spi", "nufft"):
    _sys.modules[__name__ + "." + _name] = globals()[_name]
del _name
