import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, type PickleObject, readCheckpoint, writeCheckpointTree } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-tree-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeCheckpointTree', () => {
  it('writes {model, ema, args} as the released DiT1D files, and reads back the same tree', async () => {
    const w = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const e = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([6, 5, 4, 3, 2, 1]) };
    const steps = { dtype: 'int64' as const, shape: [1], data: BigInt64Array.from([7n]) };
    const path = join(dir, 'fsdd_tiny.pth');
    await writeCheckpointTree(path, {
      model: new Map([['blocks.0.w', w]]),
      ema: new Map([['blocks.0.w', e]]),
      args: new Namespace({
        num_heads: 4,
        lr: 1e-4,
        model: 'DiT1D',
        fp32: true,
        none: null,
        sizes: [1, 2.5],
        steps,
      }),
    });
    const checkpoint = await readCheckpoint(path);
    try {
      const root = checkpoint.root as Map<string, unknown>;
      expect([...root.keys()]).toEqual(['model', 'ema', 'args']);
      const args = root.get('args') as PickleObject;
      expect(args.fullName).toBe('argparse.Namespace');
      const state = args.state as Map<string, unknown>;
      expect(state.get('num_heads')).toBe(4);
      expect(state.get('lr')).toBe(1e-4);
      expect(state.get('model')).toBe('DiT1D');
      expect(state.get('fp32')).toBe(true);
      expect(state.get('none')).toBe(null);
      expect(state.get('sizes')).toEqual([1, 2.5]);
      const tensors = checkpoint.tensors();
      expect([...tensors.keys()]).toEqual(['model.blocks.0.w', 'ema.blocks.0.w', 'args.steps']);
      expect(Array.from((await tensors.get('ema.blocks.0.w')!.read()) as Float32Array)).toEqual([
        6, 5, 4, 3, 2, 1,
      ]);
      expect(tensors.get('model.blocks.0.w')!.shape).toEqual([2, 3]);
      expect(await tensors.get('args.steps')!.read()).toEqual(BigInt64Array.from([7n]));
    } finally {
      await checkpoint.close();
    }
  });

  it('refuses values it cannot write, naming where they are', async () => {
    await expect(writeCheckpointTree(join(dir, 'bad.pth'), { a: { b: (() => 1) as never } })).rejects.toThrow(
      /root\.a\.b: expected a tensor, number, string, bool, null, list, Map, object or Namespace, got function/,
    );
    const shapeless = { dtype: 'float32' as const, shape: [3], data: new Float32Array(2) };
    await expect(writeCheckpointTree(join(dir, 'bad2.pth'), { t: shapeless })).rejects.toThrow(/root\.t/);
  });
});
