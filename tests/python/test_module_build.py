# How the extension module is built, where that decides whether it works in a real session.
import os
import shutil
import subprocess
import sys

import pytest

import phasis


def test_the_module_carries_no_copy_of_libstdcxx():
    # A toolchain that links libstdc++ statically (the GPU machine's) put a second copy of
    # iostreams and locales into the module; in a process where numpy had loaded the shared one,
    # multislice.run crashed in an istream. The module must define none of libstdc++'s symbols
    # (python/CMakeLists.txt links the shared library) and need the shared one.
    nm, readelf = shutil.which("nm"), shutil.which("readelf")
    if not nm or not readelf or not sys.platform.startswith("linux"):
        pytest.skip("needs binutils' nm and readelf (Linux)")
    module = phasis._phasis.__file__
    defined = subprocess.run([nm, "-D", "--defined-only", module], capture_output=True, text=True, check=True).stdout
    # std::istream::_M_extract<...> and std::locale::classic(): the functions that crashed, and
    # the heart of the locale machinery.
    copied = [line for line in defined.splitlines() if "_ZNSi10_M_extract" in line or "_ZNSt6locale7classicEv" in line]
    assert not copied, f"{len(copied)} libstdc++ symbols defined in {os.path.basename(module)}, e.g. {copied[0]}"
    needed = subprocess.run([readelf, "-d", module], capture_output=True, text=True, check=True).stdout
    assert "libstdc++.so.6" in needed


def test_multislice_runs_with_numpy_imported_first(tmp_path):
    # The crash's own circumstance, in a fresh interpreter: numpy first, then phasis.
    config = tmp_path / "si.toml"
    config.write_text('energy = 200e3\n[structure]\ncrystal = "Si"\n[potential]\ngpts = [32, 32]\n'
                      'slice_thickness = 1.3575\n[wave]\ntype = "probe"\nsemiangle = 20\n[scan]\ntype = "grid"\n'
                      'gpts = [2, 2]\n[[detector]]\nname = "BF"\ninner = 0\nouter = 20\n[run]\ndevice = "cpu"\n')
    code = ("import numpy, phasis; from phasis import multislice; "
            f"r = multislice.run({str(config)!r}); print(float(numpy.asarray(r.readings['BF']).sum()))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr[-500:]}"
    assert float(r.stdout.strip()) > 0
