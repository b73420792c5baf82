"""Writes packages/formula-weights/test/fixtures/expected.json: a few tensors computed by the
formula of ../shared/reference/README.md ("full/"), independently of the TypeScript code.
Run: python3 tools/formula_weights_expected.py (needs numpy)."""
import json
import numpy as np

def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) % 2**32
    return h

EMBED = ("embedding_table.weight", "pos_embed", "latent_tokens", "class_embedding",
         "positional_embedding", "mask_token", "quantize.embedding.weight")

def value(name, shape, seed=0):
    numel = int(np.prod(shape)) if shape else 1
    x = fnv1a32(f"{seed}:{name}")
    us = []
    for _ in range(numel):
        x = (1664525 * x + 1013904223) % 2**32
        us.append(x / 2**32)
    u = np.array(us, dtype=np.float64)
    fan_in = numel / shape[0] if shape else 1
    if name.endswith("running_var"): v = 0.5 + u
    elif name.endswith("bias") or name.endswith("running_mean"): v = 0.02 * (2 * u - 1)
    elif len(shape) == 1 and name.endswith("weight"): v = 1 + 0.2 * (2 * u - 1)
    elif name.endswith(EMBED): v = 0.8 * (2 * u - 1)
    elif len(shape) == 4: v = (2 * u - 1) * np.sqrt(6 / fan_in)
    else: v = (2 * u - 1) * np.sqrt(3 / fan_in)
    return v.astype(np.float32)

cases = [
    ("x_embedder.embedding_table.weight", [5, 4], 0),
    ("blocks.0.attn.qkv.weight", [6, 4], 0),
    ("blocks.0.attn.qkv.bias", [6], 0),
    ("norm.weight", [5], 0),
    ("Conv2d_1a_3x3.conv.weight", [2, 3, 3, 3], 0),
    ("Conv2d_1a_3x3.bn.running_var", [4], 0),
    ("Conv2d_1a_3x3.bn.running_mean", [4], 0),
    ("decoder.mask_token", [1, 1, 8], 3),
    ("pos_embed", [1, 3, 4], 7),
]
out = [{"name": n, "shape": s, "seed": seed, "fnv": fnv1a32(f"{seed}:{n}"),
        "values": [float(v) for v in value(n, s, seed)]} for n, s, seed in cases]
with open("packages/formula-weights/test/fixtures/expected.json", "w") as f:
    json.dump(out, f, indent=1)
