import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildDiT1DGraph,
  configFromStateDict,
  DiT1D,
  DiT1DError,
  exportDiT1D,
  readDiT1DStateDict,
  timestepFrequencies,
} from '@tokenset/dit1d';
import { cudaProviderInstalled, DeviceError } from '@tokenset/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, fixture, i32, maxDiff } from './fixtures.js';

const PTH = fixture('tiny-dit1d/dit1d.pth');
const dir = mkdtempSync(join(tmpdir(), 'dit1d-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let dit: DiT1D;
let x: Int32Array;
let t: Float32Array;
let y: Int32Array;
beforeAll(async () => {
  dit = await DiT1D.load(PTH, { numHeads: 4, threads: 1 });
  [x, t, y] = await Promise.all([
    i32('tiny-dit1d/forward_x'),
    f32('tiny-dit1d/forward_t'),
    i32('tiny-dit1d/forward_y'),
  ]);
});
afterAll(() => dit?.release());

describe('DiT1D (tiny reference model)', () => {
  it('reads every size from the weights', async () => {
    const config = configFromStateDict(await readDiT1DStateDict(PTH), { numHeads: 4 });
    expect(config).toEqual({
      codebookSize: 64,
      setSize: 8,
      hiddenSize: 32,
      depth: 2,
      numHeads: 4,
      numClasses: 10,
      countEmbeddings: 65,
      frequencySize: 256,
      mlpHiddenSize: 128,
    });
    expect([dit.codebookSize, dit.setSize, dit.numClasses]).toEqual([64, 8, 10]);
  });

  it('reproduces the reference logits and probabilities within 1e-5 (all rows, incl. the null label)', async () => {
    const logits = await dit.logits(x, t, y);
    const probs = await dit.probabilities(x, t, y);
    expect(maxDiff(logits, await f32('tiny-dit1d/forward_logits'))).toBeLessThan(1e-5);
    expect(maxDiff(probs, await f32('tiny-dit1d/forward_probs'))).toBeLessThan(1e-5);
  });

  it('gives the same result with standard-ops attention', async () => {
    const standard = await DiT1D.load(PTH, { numHeads: 4, attention: 'standard', threads: 1 });
    try {
      expect(maxDiff(await standard.logits(x, t, y), await f32('tiny-dit1d/forward_logits'))).toBeLessThan(
        1e-5,
      );
    } finally {
      await standard.release();
    }
  });

  it('loads checkpoint bytes, exported .onnx files and ONNX bytes alike', async () => {
    const expected = await dit.probabilities(x, t, y);
    const bytes = exportDiT1D(await readDiT1DStateDict(PTH), { numHeads: 4 });
    const path = join(dir, 'tiny.onnx');
    writeFileSync(path, bytes);
    for (const source of [new Uint8Array(readFileSync(PTH)), bytes, path]) {
      const other = await DiT1D.load(source, { numHeads: 4, threads: 1 });
      try {
        expect(other.info.numHeads).toBe(4);
        expect(maxDiff(await other.probabilities(x, t, y), expected)).toBe(0);
      } finally {
        await other.release();
      }
    }
  });

  it('exports the same bytes every time', async () => {
    const a = exportDiT1D(await readDiT1DStateDict(PTH), { numHeads: 4 });
    const b = exportDiT1D(await readDiT1DStateDict(PTH), { numHeads: 4 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('does not modify the state dict unless asked to consume it', async () => {
    const sd = await readDiT1DStateDict(PTH);
    const before = sd.get('blocks.0.attn.qkv.weight')!.data.slice();
    buildDiT1DGraph(sd, { numHeads: 4 });
    expect(sd.get('blocks.0.attn.qkv.weight')!.data).toEqual(before);
  });

  it('runs batches larger than maxBatch in chunks with the same result', async () => {
    const chunked = await DiT1D.load(PTH, { numHeads: 4, maxBatch: 2, threads: 1 });
    try {
      expect(maxDiff(await chunked.logits(x, t, y), await dit.logits(x, t, y))).toBe(0);
    } finally {
      await chunked.release();
    }
  });

  it('fp16 export keeps the embedders, adaLN and final layer in float32 and stays close to fp32', async () => {
    const half = await DiT1D.load(PTH, { numHeads: 4, dtype: 'fp16', threads: 1 });
    try {
      expect(half.info.dtype).toBe('fp16');
      const diff = maxDiff(await half.probabilities(x, t, y), await f32('tiny-dit1d/forward_probs'));
      console.log(`tiny fp16 vs reference fp32: max |Δprob| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(5e-3);
      expect(diff).toBeGreaterThan(0);
    } finally {
      await half.release();
    }
  });

  it("int8 export quantizes the blocks' linear layers and stays close to fp32", async () => {
    const int8 = await DiT1D.load(PTH, { numHeads: 4, dtype: 'int8', threads: 1 });
    try {
      expect(int8.info.dtype).toBe('int8');
      const diff = maxDiff(await int8.probabilities(x, t, y), await f32('tiny-dit1d/forward_probs'));
      console.log(`tiny int8 vs reference fp32: max |Δprob| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(2e-2);
      expect(diff).toBeGreaterThan(0);
    } finally {
      await int8.release();
    }
  });

  it('computes the timestep frequencies as the reference does in float32', () => {
    const f = timestepFrequencies(256);
    expect(f.length).toBe(128);
    expect(f[0]).toBe(1);
    expect(f[1]).toBeCloseTo(Math.exp(-Math.log(10000) / 128), 7);
  });
});

describe('DiT1D errors', () => {
  it('rejects bad inputs with what was expected', async () => {
    await expect(dit.logits(x.slice(1), t, y)).rejects.toThrow(
      /counts: expected 3·64 = 192 values for 3 rows, got 191/,
    );
    const bad = x.slice();
    bad[70] = 65;
    await expect(dit.logits(bad, t, y)).rejects.toThrow(
      /counts: expected values in \[0, 64\], got 65 at row 1, entry 6/,
    );
    await expect(dit.logits(x, Float32Array.of(0.5, Number.NaN, 0), y)).rejects.toThrow(
      /t: expected values in \[0, 1\], got NaN at row 1/,
    );
    await expect(dit.logits(x, t, Int32Array.of(0, 11, 2))).rejects.toThrow(
      /labels: expected values in \[0, 10\].*got 11 at row 1/,
    );
    await expect(dit.logits(x, t, Int32Array.of(0, 1))).rejects.toThrow(/labels: expected 3 values/);
    await expect(dit.logits(Array.from(x) as never, t, y)).rejects.toThrow(TypeError);
    await expect(dit.logits(x, new Float64Array(3) as never, y)).rejects.toThrow(
      /t: expected a Float32Array \[batch\], got a Float64Array/,
    );
  });

  it('needs numHeads when the width is not a multiple of 64, and checks presets', async () => {
    const sd = await readDiT1DStateDict(PTH);
    expect(() => configFromStateDict(sd)).toThrow(/numHeads: expected an option/);
    expect(() => configFromStateDict(sd, { numHeads: 5 })).toThrow(
      /positive divisor of the hidden size 32, got 5/,
    );
    expect(() => configFromStateDict(sd, { preset: 'DiT1D-S' })).toThrow(
      /preset DiT1D-S: expected weights of hidden size 384 and depth 12, got 32 and 2/,
    );
    expect(() => configFromStateDict(sd, { preset: 'DiT1D-L' as never })).toThrow(
      /expected one of 'DiT1D-S', 'DiT1D-B', got 'DiT1D-L'/,
    );
  });

  it('names a missing or misshapen tensor', async () => {
    const sd = await readDiT1DStateDict(PTH);
    sd.delete('blocks.1.mlp.fc2.bias');
    expect(() => configFromStateDict(sd, { numHeads: 4 })).toThrow(
      /expected a tensor 'blocks.1.mlp.fc2.bias', got none/,
    );
    const sd2 = await readDiT1DStateDict(PTH);
    sd2.set('blocks.0.attn.proj.weight', { shape: [32, 31], data: new Float32Array(32 * 31) });
    expect(() => configFromStateDict(sd2, { numHeads: 4 })).toThrow(
      /expected 'blocks.0.attn.proj.weight' of shape \[32, 32\], got \[32, 31\]/,
    );
    expect(() => exportDiT1D(sd, { numHeads: 4 })).toThrow(DiT1DError);
    const sd3 = await readDiT1DStateDict(PTH);
    expect(() => exportDiT1D(sd3, { numHeads: 4, dtype: 'bf16' as never })).toThrow(
      /dtype: expected one of 'fp32', 'fp16', 'int8', got 'bf16'/,
    );
    expect(() => exportDiT1D(sd3, { numHeads: 4, attention: 'flash' as never })).toThrow(
      /attention: expected 'fused' or 'standard'/,
    );
  });

  it('rejects ONNX models it did not export', async () => {
    await expect(DiT1D.load(new Uint8Array([0x08, 0x0a]))).rejects.toThrow(
      /expected a model exported by @tokenset\/dit1d/,
    );
  });

  it("fails on device 'cuda' without the CUDA libraries, saying how to install them", async () => {
    const error = await DiT1D.load(PTH, { numHeads: 4, device: 'cuda' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceError);
    expect(String((error as Error).message)).toMatch(/device 'cuda'/);
    expect(String((error as Error).message)).toMatch(/CUDA 12 and cuDNN 9/);
    expect(String((error as Error).message)).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(String((error as Error).message)).toMatch(/docs\/cuda\.md/);
    await expect(DiT1D.load(PTH, { device: 'tpu' as never })).rejects.toThrow(
      /device: expected one of 'cpu', 'cuda', 'auto', got 'tpu'/,
    );
  });

  it("reports its execution provider; device 'auto' picks CUDA only where its provider starts", async () => {
    expect(dit.executionProvider).toBe('cpu');
    const auto = await DiT1D.load(PTH, { numHeads: 4, threads: 1, device: 'auto' });
    try {
      expect(auto.executionProvider).toBe(cudaProviderInstalled() ? 'cuda' : 'cpu');
    } finally {
      await auto.release();
    }
  });
});
