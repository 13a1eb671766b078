#!/usr/bin/env python3
"""CXI files written (and read) by h5py, so phasis' reader and writer are checked against another
HDF5 program rather than only against themselves. Used by tests/unit/test_cxi_h5py.cpp.

  make_cxi_fixture.py write PATH standard   float32 frames, (N, 3) translations, scalar geometry,
                                            uint32 mask, complex128 illumination
  make_cxi_fixture.py write PATH variant    float64 frames, (N, 2) translations, one-element
                                            geometry arrays, boolean mask, complex64 illumination
  make_cxi_fixture.py describe PATH         prints key=value facts about a file phasis wrote

The values (all exact in float32) are known to the C++ test:
  data[i, y, x] = i + 0.5 y + 0.25 x                       N = 5 frames of M = 16 pixels
  translation[i] = (1e-6 i, -2e-6 i, 0.5e-6)               metres
  energy = 1.2817e-15 J, distance = 2.5 m, pixel = 75e-6 m (x) by 55e-6 m (y)
  mask: bad pixels (3, 4), (0, 15), (15, 0)                (y, x)
  illumination[y, x] = (y - 0.5 x) + 0.25 y x i
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    sys.exit(f"make_cxi_fixture.py: {e.name} is not installed for {sys.executable}; "
             "phasis' tests need h5py and numpy (scripts/setup installs them)")

N, M = 5, 16
ENERGY, DISTANCE, PIXEL_X, PIXEL_Y = 1.2817e-15, 2.5, 75e-6, 55e-6
BAD_PIXELS = [(3, 4), (0, 15), (15, 0)]


def write(path, variant):
    i, y, x = np.meshgrid(np.arange(N), np.arange(M), np.arange(M), indexing="ij")
    data = i + 0.5 * y + 0.25 * x
    frames = np.arange(N, dtype=np.float64)
    translation = np.stack([1e-6 * frames, -2e-6 * frames, np.full(N, 0.5e-6)], axis=1)
    yy, xx = np.meshgrid(np.arange(M), np.arange(M), indexing="ij")
    illumination = (yy - 0.5 * xx) + 1j * (0.25 * yy * xx)
    standard = variant == "standard"

    with h5py.File(path, "w") as f:
        f["cxi_version"] = 160
        entry = f.create_group("entry_1")
        entry.create_dataset("data_1/data", data=data.astype(np.float32 if standard else np.float64),
                             chunks=(1, M, M))
        entry["sample_1/geometry_1/translation"] = translation if standard else translation[:, :2]
        source = entry.create_group("instrument_1/source_1")
        detector = entry.create_group("instrument_1/detector_1")
        for group, name, value in [(source, "energy", ENERGY), (detector, "distance", DISTANCE),
                                   (detector, "x_pixel_size", PIXEL_X), (detector, "y_pixel_size", PIXEL_Y)]:
            group[name] = value if standard else np.array([value])
        if standard:
            mask = np.zeros((M, M), dtype=np.uint32)
            for flag, (py, px) in zip([1, 2, 8], BAD_PIXELS):
                mask[py, px] = flag
        else:
            mask = np.zeros((M, M), dtype=bool)
            for py, px in BAD_PIXELS:
                mask[py, px] = True
        detector["mask"] = mask
        source["illumination"] = illumination.astype(np.complex128 if standard else np.complex64)


def describe(path):
    with h5py.File(path, "r") as f:
        data = f["entry_1/data_1/data"]
        facts = {
            "cxi_version": int(f["cxi_version"][()]),
            "data_dtype": data.dtype.name,
            "data_shape": "x".join(map(str, data.shape)),
            "data_chunks": "x".join(map(str, data.chunks)),
            "data_sum": float(np.sum(data[()], dtype=np.float64)),
            "detector_data_is_frames": bool(np.array_equal(f["entry_1/instrument_1/detector_1/data"][()], data[()])),
            "mask_dtype": f["entry_1/instrument_1/detector_1/mask"].dtype.name,
            "mask_bad": int(np.count_nonzero(f["entry_1/instrument_1/detector_1/mask"][()])),
            "illumination_dtype": f["entry_1/instrument_1/source_1/illumination"].dtype.name,
            "illumination_1_2": complex(f["entry_1/instrument_1/source_1/illumination"][1, 2]),
            "energy": float(f["entry_1/instrument_1/source_1/energy"][()]),
            "energy_units": f["entry_1/instrument_1/source_1/energy"].attrs["units"],
            "translation_units": f["entry_1/sample_1/geometry_1/translation"].attrs["units"],
            "translation_2_1": float(f["entry_1/sample_1/geometry_1/translation"][2, 1]),
            "entry_class": f["entry_1"].attrs["NX_class"],
        }
    for key, value in facts.items():
        print(f"{key}={value}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "write" and sys.argv[3] in ("standard", "variant"):
        write(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "describe":
        describe(sys.argv[2])
    else:
        sys.exit(__doc__)
