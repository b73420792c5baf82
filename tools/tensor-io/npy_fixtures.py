"""Writes packages/tensor-io/test/fixtures/npy/: .npy/.npz files made by NumPy itself (every dtype,
unsigned u2/u4/u8 included, C and Fortran order, big endian, format 2.0 and 3.0 headers, 0-d and
empty arrays, stored and deflated .npz) and expected.json with each array's row-major little-endian
bytes in hex; refused/: dtypes the reader refuses with a clear message (complex, long double), with
refused.json giving each file's descr.
Run: python3 tools/tensor-io/npy_fixtures.py (needs numpy)."""
import json
import os
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "tensor-io", "test", "fixtures", "npy")
os.makedirs(OUT, exist_ok=True)
expected = {}


def values(dtype, shape):
    n = int(np.prod(shape)) if shape else 1
    i = np.arange(n, dtype=np.int64)
    if dtype == "bool":
        v = (i * 7 % 3 == 0)
    elif dtype in ("float32", "float16", "float64"):
        v = ((i * 37 % 101) - 50) / 7.0
        v = v.astype(dtype)
        if n > 3:  # special values
            v[1] = np.inf
            v[2] = -0.0
            v[3] = np.nan
    elif dtype == "bfloat16":
        f = (((i * 37 % 101) - 50) / 7.0).astype(np.float32)
        v = (f.view(np.uint32) >> 16).astype(np.uint16)
    elif dtype == "int64":
        v = (i * 1_000_000_007 - 3 * 10**12) * (-1) ** i
    elif dtype in ("uint16", "uint32", "uint64"):
        # Python integers: values spread over the whole range, most above the signed maximum.
        top = int(np.iinfo(dtype).max) + 1
        v = np.array([(k * 0x9E3779B97F4A7C15 + 12345) % top for k in range(n)], dtype=object).astype(dtype)
    else:
        info = np.iinfo(dtype)
        v = ((i * 97) % (int(info.max) - int(info.min) + 1) + int(info.min)).astype(dtype)
    return np.asarray(v).astype("uint16" if dtype == "bfloat16" else dtype).reshape(shape)


def record(name, arr_c, dtype):
    """arr_c: the array whose row-major little-endian bytes the reader must produce."""
    le = np.ascontiguousarray(arr_c).astype(arr_c.dtype.newbyteorder("<"))
    expected[name] = {"dtype": dtype, "shape": list(arr_c.shape), "hex": le.tobytes().hex()}


DTYPES = ("float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8",
          "uint16", "uint32", "uint64", "bool")
for dtype in DTYPES:
    arr = values(dtype, (3, 4, 5))
    stored = arr.view("V2") if dtype == "bfloat16" else arr
    np.save(os.path.join(OUT, f"{dtype}.npy"), stored)
    record(f"{dtype}.npy", arr, dtype)
    np.save(os.path.join(OUT, f"{dtype}_fortran.npy"), np.asfortranarray(stored))
    record(f"{dtype}_fortran.npy", arr, dtype)
    if arr.dtype.itemsize > 1 and dtype != "bfloat16":
        np.save(os.path.join(OUT, f"{dtype}_bigendian.npy"), arr.astype(arr.dtype.newbyteorder(">")))
        record(f"{dtype}_bigendian.npy", arr, dtype)

scalar = np.array(3.25, dtype=np.float64)
np.save(os.path.join(OUT, "scalar.npy"), scalar)
record("scalar.npy", scalar, "float64")
empty = np.zeros((2, 0, 3), dtype=np.float32)
np.save(os.path.join(OUT, "empty.npy"), empty)
record("empty.npy", empty, "float32")
vec = values("int32", (7,))
np.save(os.path.join(OUT, "vector.npy"), vec)
record("vector.npy", vec, "int32")
f4d = values("float32", (2, 3, 4, 5))
np.save(os.path.join(OUT, "fortran4d.npy"), np.asfortranarray(f4d))
record("fortran4d.npy", f4d, "float32")
# Explicit header versions 2.0 and 3.0 (3.0: utf-8 header).
for version in ((2, 0), (3, 0)):
    with open(os.path.join(OUT, f"version{version[0]}.npy"), "wb") as f:
        np.lib.format.write_array(f, vec, version=version)
    record(f"version{version[0]}.npy", vec, "int32")

small = {"a": values("float32", (4, 3)), "b": values("int64", (5,)), "c": values("uint8", (2, 2, 2))}
np.savez(os.path.join(OUT, "stored.npz"), **small)
np.savez_compressed(os.path.join(OUT, "deflated.npz"), **small)
for k, v in small.items():
    record(f"npz:{k}", v, {"float32": "float32", "int64": "int64", "uint8": "uint8"}[str(v.dtype)])

# Extremes of the unsigned types (values above the signed range), little and big endian, in an .npz too.
extremes = {
    "uint16": np.array([0, 1, 2**15, 2**16 - 1], dtype=np.uint16),
    "uint32": np.array([0, 1, 2**31, 2**32 - 1], dtype=np.uint32),
    "uint64": np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64),
}
for dtype, arr in extremes.items():
    np.save(os.path.join(OUT, f"{dtype}_extremes.npy"), arr)
    record(f"{dtype}_extremes.npy", arr, dtype)
    np.save(os.path.join(OUT, f"{dtype}_extremes_bigendian.npy"), arr.astype(arr.dtype.newbyteorder(">")))
    record(f"{dtype}_extremes_bigendian.npy", arr, dtype)
np.savez(os.path.join(OUT, "unsigned.npz"), **extremes)
for k, v in extremes.items():
    record(f"unsigned.npz:{k}", v, k)

# Numeric dtypes that are refused, each with its descr as NumPy writes it.
REFUSED = os.path.join(OUT, "refused")
os.makedirs(REFUSED, exist_ok=True)
refused = {}
for name, arr in {
    "complex64": np.array([1 + 2j, -3.5 - 0.25j], dtype=np.complex64),
    "complex128": np.array([1 + 2j, -3.5 - 0.25j], dtype=np.complex128),
    "complex64_bigendian": np.array([1 + 2j], dtype=">c8"),
    "longdouble": np.array([1.5, 2.5], dtype=np.longdouble),
}.items():
    np.save(os.path.join(REFUSED, f"{name}.npy"), arr)
    refused[f"{name}.npy"] = arr.dtype.str
with open(os.path.join(REFUSED, "refused.json"), "w") as f:
    json.dump(refused, f, indent=1, sort_keys=True)

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(f"wrote {len(expected)} expected arrays to {OUT}")
