"""Writes packages/tensor-io/test/fixtures/checkpoints/:
- copies of ../shared/reference/tiny/dit1d/dit1d.pth and tiny/tokenizer/tokenizer.pth;
- edge.pth: every dtype, non-contiguous views, shared storages, empty and 0-d tensors, a Parameter,
  nested containers and an argparse.Namespace, plain Python values (torch.save's zip format);
- edge-protocol4.pth, edge-protocol5.pth: the same objects pickled with protocols 4 and 5;
- deflated.pth: edge.pth with every member deflated and the top-level folder renamed;
- zip64.pth: edge.pth rewritten with zip64 records (Python's zipfile with its zip64 limit lowered);
- legacy.pth, legacy-edge.pth: the pre-1.6 format (torch.save(..., _use_new_zipfile_serialization=False));
- <name>.expected.json: for every tensor reachable through dicts, lists/tuples and Namespaces (dotted
  names, as the TypeScript reader names them): dtype, shape and the SHA-256 of its row-major
  little-endian bytes as torch reads them (bfloat16 as raw bits); dit1d.tensors.npz: the dit1d
  tensors themselves, dumped as .npy members.
Run: /usr/bin/python3 tools/tensor-io/checkpoint_fixtures.py  (needs Debian's python3-torch)."""
import argparse
import collections
import hashlib
import json
import os
import shutil
import sys
import zipfile
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REF = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "reference")
OUT = os.path.join(HERE, "..", "..", "packages", "tensor-io", "test", "fixtures", "checkpoints")
os.makedirs(OUT, exist_ok=True)
DTYPES = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
          torch.float64: "float64", torch.int64: "int64", torch.int32: "int32", torch.int16: "int16",
          torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def walk(obj, path, out, seen):
    if isinstance(obj, torch.Tensor):
        out.setdefault(path, obj)
        return
    if id(obj) in seen:
        return
    if isinstance(obj, (dict, list, tuple, argparse.Namespace)):
        seen.add(id(obj))
    join = lambda k: str(k) if path == "" else f"{path}.{k}"
    if isinstance(obj, dict):
        for k, v in obj.items():
            walk(v, join(k), out, seen)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            walk(v, join(i), out, seen)
    elif isinstance(obj, argparse.Namespace):
        for k, v in vars(obj).items():
            walk(v, join(k), out, seen)


def expected(path):
    obj = torch.load(path, map_location="cpu")
    tensors = {}
    walk(obj, "", tensors, set())
    summary = {name: {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                      "sha256": hashlib.sha256(tensor_bytes(t)).hexdigest()} for name, t in tensors.items()}
    with open(path[:-4] + ".expected.json", "w") as f:
        json.dump(summary, f, indent=1)
    return tensors


for rel in ("tiny/dit1d/dit1d.pth", "tiny/tokenizer/tokenizer.pth"):
    shutil.copyfile(os.path.join(REF, rel), os.path.join(OUT, os.path.basename(rel)))
dit = expected(os.path.join(OUT, "dit1d.pth"))
np.savez(os.path.join(OUT, "dit1d.tensors.npz"), **{k: v.detach().numpy() for k, v in dit.items()})
expected(os.path.join(OUT, "tokenizer.pth"))

torch.manual_seed(0)
base = torch.arange(24, dtype=torch.float32) / 4 - 3
grid = torch.randn(4, 6)
edge = {
    "dtypes": {name: (torch.randn(2, 3) * 40).to(dtype) if dtype != torch.bool else torch.randn(2, 3) > 0
               for dtype, name in DTYPES.items()},
    "views": {
        "transposed": grid.t(),
        "sliced": grid[1:3, ::2],
        "row": grid[2],
        "column": grid[:, 3],
        "expanded": torch.tensor([1.5, -2.0]).unsqueeze(1).expand(2, 3),
        "permuted": torch.randn(2, 3, 4).permute(2, 0, 1),
    },
    "shared": {"a": base, "b": base[5:], "c": base.view(2, 3, 4), "d": base.view(4, 6).t()},
    "empty": torch.zeros(0, 3),
    "empty_int": torch.zeros(2, 0, dtype=torch.int64),
    "scalar": torch.tensor(3.5),
    "scalar_int": torch.tensor(-7),
    "param": torch.nn.Parameter(torch.randn(3)),
    "nested": {"list": [torch.ones(2), (torch.zeros(1), {"deep": torch.full((2, 2), 9.0)})],
               "ordered": collections.OrderedDict([("z", torch.tensor([1, 2])), ("a", torch.tensor([3]))])},
    "args": argparse.Namespace(lr=0.5, name="run", steps=[1, 2], mask=torch.tensor([True, False])),
    "misc": {"int": 5, "big": 2 ** 70, "neg": -(2 ** 40), "float": 1.25, "text": "é∑", "bytes": b"\x00\x01\xff",
             "none": None, "bool": True, "set": {1, 2}, 7: "int key", (1, 2): "tuple key"},
}
edge_path = os.path.join(OUT, "edge.pth")
torch.save(edge, edge_path)
expected(edge_path)

# The same objects pickled with protocols 4 and 5 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE, ...).
for protocol in (4, 5):
    p = os.path.join(OUT, f"edge-protocol{protocol}.pth")
    torch.save(edge, p, pickle_protocol=protocol)
    expected(p)

# The same archive with every member deflated, under another top-level folder name.
def rewrite(src, dst, folder, compression, zip64=False):
    limit = zipfile.ZIP64_LIMIT
    if zip64:
        zipfile.ZIP64_LIMIT = 64  # members, offsets and the directory past 64 bytes get zip64 records
    try:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
            for info in zin.infolist():
                name = folder + "/" + info.filename.split("/", 1)[1]
                zout.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), zin.read(info),
                              compress_type=compression)
    finally:
        zipfile.ZIP64_LIMIT = limit

rewrite(edge_path, os.path.join(OUT, "deflated.pth"), "renamed_folder", zipfile.ZIP_DEFLATED)
assert torch.equal(torch.load(os.path.join(OUT, "deflated.pth"))["shared"]["c"], edge["shared"]["c"])
shutil.copyfile(edge_path[:-4] + ".expected.json", os.path.join(OUT, "deflated.expected.json"))
rewrite(edge_path, os.path.join(OUT, "zip64.pth"), "archive", zipfile.ZIP_STORED, zip64=True)
shutil.copyfile(edge_path[:-4] + ".expected.json", os.path.join(OUT, "zip64.expected.json"))

legacy = {"weight": torch.randn(3, 4), "bias": torch.zeros(4, dtype=torch.float64), "step": 3}
torch.save(legacy, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)
expected(os.path.join(OUT, "legacy.pth"))
torch.save(edge, os.path.join(OUT, "legacy-edge.pth"), _use_new_zipfile_serialization=False)
expected(os.path.join(OUT, "legacy-edge.pth"))
print("wrote", sorted(os.listdir(OUT)))
