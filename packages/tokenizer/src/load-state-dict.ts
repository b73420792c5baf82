import { describe, type Float32StateDict, readCheckpoint, readFloat32StateDict } from '@tokenset/tensor-io';
import { readTextIfPresent } from '#platform';
import { TokenizerError } from './errors.js';

/** The parameter that identifies a set tokenizer state dict. */
const MARKER = 'encoder.patch_embed.weight';

/** Where the weights may sit in a checkpoint: at the root (the release) or under a training wrapper's key. */
const PREFIXES = ['', 'model.', 'state_dict.', 'ema.', 'module.'];

/**
 * Reads a set tokenizer's float32 weights from a `torch.save` checkpoint: the released
 * `set_tokenizer_128_4096.pth` is a plain state dict; a dict holding it under `model`,
 * `state_dict`, `ema` or `module` is accepted too.
 *
 * @param source - a `.pth` path, or the file's bytes.
 * @returns the state dict (reference names, float32 values).
 * @throws {@link TokenizerError} when the checkpoint holds no set tokenizer.
 */
export async function loadStateDict(source: string | Uint8Array): Promise<Float32StateDict> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new TypeError(
      `source: expected a .pth path, its bytes or a Float32StateDict, got ${describe(source)}`,
    );
  }
  const checkpoint = await readCheckpoint(source);
  try {
    const names = checkpoint.tensors();
    const prefix = PREFIXES.find((p) => names.has(p + MARKER));
    if (prefix === undefined) {
      const where = typeof source === 'string' ? `'${source}'` : `${source.length} bytes`;
      const sample = [...names.keys()].slice(0, 3).join(', ') || 'no tensors';
      throw new TokenizerError(
        `checkpoint ${where}: expected a set tokenizer state dict ('${MARKER}', ...), got ${sample}${names.size > 3 ? ', ...' : ''}`,
      );
    }
    return await readFloat32StateDict(checkpoint, prefix === '' ? undefined : prefix);
  } finally {
    await checkpoint.close();
  }
}

/**
 * The head count recorded beside a checkpoint: `numHeads` of `<name>.json` next to `<name>.pth`
 * (as `@tokenset/train` writes it), or undefined when there is no such file.
 *
 * @throws {@link TokenizerError} when the file exists but does not hold a positive integer `numHeads`.
 */
export async function sidecarNumHeads(checkpointPath: string): Promise<number | undefined> {
  const path = `${checkpointPath.replace(/\.pth$/i, '')}.json`;
  if (path === checkpointPath) return undefined;
  const text = await readTextIfPresent(path);
  if (text === undefined) return undefined;
  let heads: unknown;
  try {
    heads = (JSON.parse(text) as { numHeads?: unknown }).numHeads;
  } catch (error) {
    throw new TokenizerError(`${path}: expected JSON, got ${(error as Error).message}`);
  }
  if (heads === undefined) return undefined;
  if (typeof heads !== 'number' || !Number.isInteger(heads) || heads < 1) {
    throw new TokenizerError(`${path}: expected a positive integer numHeads, got ${JSON.stringify(heads)}`);
  }
  return heads;
}
