# Shared fixtures of the `python` tests: the CLI binary (PHASIS_CLI, set by CTest) run on the same
# inputs as the module, so results can be compared with the CLI's.
import os
import shutil
import subprocess

import pytest


def cli_path():
    path = os.environ.get("PHASIS_CLI") or shutil.which("phasis")
    if not path:
        pytest.skip("the phasis CLI is not built (set PHASIS_CLI)")
    return path


@pytest.fixture
def cli():
    """Runs `phasis ARGS...`; returns the CompletedProcess (stdout and stderr as text)."""
    path = cli_path()

    def run(*args, check=True):
        r = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"phasis {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
        return r

    return run
