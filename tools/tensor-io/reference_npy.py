"""Copies the small .npy/.npz files of ../shared/reference (each under 100 KB, plus
eval/fid/stats_b.npz) into packages/tensor-io/test/fixtures/reference/, and writes
reference-summary.json there: for EVERY .npy/.npz of the reference folder, each array's dtype,
shape and the SHA-256 of its row-major little-endian bytes, as NumPy reads them.
scripts/check-reference.ts compares the TypeScript reader against that summary on the full folder.
Run: python3 tools/tensor-io/reference_npy.py [reference-dir] (needs numpy)."""
import hashlib
import json
import os
import shutil
import sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REF = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "reference")
OUT = os.path.join(HERE, "..", "..", "packages", "tensor-io", "test", "fixtures", "reference")
NAMES = {"float32": "float32", "float16": "float16", "float64": "float64", "int64": "int64", "int32": "int32",
         "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool"}


def describe(arr):
    le = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"))
    return {"dtype": NAMES[arr.dtype.name], "shape": list(arr.shape), "sha256": hashlib.sha256(le.tobytes()).hexdigest()}


summary = {}
for root, _, files in os.walk(REF):
    for name in sorted(files):
        if not name.endswith((".npy", ".npz")):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, REF)
        if name.endswith(".npy"):
            summary[rel] = {"": describe(np.load(path))}
        else:
            with np.load(path) as z:
                summary[rel] = {k: describe(z[k]) for k in z.files}
        if os.path.getsize(path) < 100_000 or rel == os.path.join("eval", "fid", "stats_b.npz"):
            dest = os.path.join(OUT, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(path, dest)
summary = dict(sorted(summary.items()))
with open(os.path.join(OUT, "reference-summary.json"), "w") as f:
    json.dump(summary, f, indent=1)
print(f"summarised {len(summary)} files")
