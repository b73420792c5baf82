"""Checks that PyTorch itself reads the checkpoints @tokenset/train writes, with the reference layout.

    /usr/bin/python3 tools/train/torch_load_check.py TOKENIZER.pth GENERATOR.pth

(Debian's python3-torch, 1.13.) Prints the structure torch.load sees; exits non-zero on a mismatch.
"""
import argparse
import sys

import torch


def main() -> int:
    tok_path, gen_path = sys.argv[1], sys.argv[2]
    tok = torch.load(tok_path, map_location="cpu")
    assert isinstance(tok, dict), type(tok)
    assert all(isinstance(v, torch.Tensor) and v.dtype == torch.float32 for v in tok.values())
    print(f"{tok_path}: {type(tok).__name__} of {len(tok)} float32 tensors; first {next(iter(tok))}, "
          f"codebook {tuple(tok['quantize.embedding.weight'].shape)}")
    gen = torch.load(gen_path, map_location="cpu")
    assert list(gen.keys()) == ["model", "ema", "args"], list(gen.keys())
    assert isinstance(gen["args"], argparse.Namespace), type(gen["args"])
    assert gen["model"].keys() == gen["ema"].keys()
    print(f"{gen_path}: keys {list(gen.keys())}; {len(gen['ema'])} tensors per state dict; "
          f"pos_embed {tuple(gen['ema']['pos_embed'].shape)}; args {vars(gen['args'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
