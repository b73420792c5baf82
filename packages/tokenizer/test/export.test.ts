import { formulaStateDict } from '@tokenset/formula-weights';
import { ModelSession } from '@tokenset/runtime';
import { exportTokenizerDecoder, exportTokenizerEncoder, tokenizerShapes } from '@tokenset/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, SMALL } from './helpers.js';

// The small configuration the CLI demo uses, with formula weights: everything is derived from them.
const sd = formulaStateDict(tokenizerShapes(SMALL));
const B = 3;
const S = 64;
const M = 8;
const C = 64;
const T = 12;
const images = Float32Array.from({ length: B * 3 * S * S }, (_, i) => Math.sin(i * 0.37) * 0.9);
const sessions: ModelSession[] = [];

async function run(bytes: Uint8Array, feeds: Parameters<ModelSession['run']>[0]) {
  const session = await ModelSession.create(bytes, { threads: 2 });
  sessions.push(session);
  return session.run(feeds);
}

afterAll(async () => {
  for (const s of sessions) await s.release();
});

describe('exportTokenizerEncoder', () => {
  let latent: Float32Array;
  let codes: BigInt64Array;
  beforeAll(async () => {
    const out = await run(exportTokenizerEncoder(sd), {
      image: { type: 'float32', dims: [B, 3, S, S], data: images },
    });
    expect(out.latent.dims).toEqual([B, T, 1, M]);
    expect(out.codes.dims).toEqual([B, M]);
    latent = out.latent.data as Float32Array;
    codes = out.codes.data as BigInt64Array;
  });

  it('is deterministic bytes', () => {
    expect(
      Buffer.compare(Buffer.from(exportTokenizerEncoder(sd)), Buffer.from(exportTokenizerEncoder(sd))),
    ).toBe(0);
  });

  it('picks the cosine-nearest codebook entry of each latent token', () => {
    const codebook = sd.get('quantize.embedding.weight')!.data;
    const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));
    for (let b = 0; b < B; b++) {
      for (let m = 0; m < M; m++) {
        const z = Array.from({ length: T }, (_, t) => latent[(b * T + t) * M + m]); // [B, T, 1, M]
        let best = -1;
        let bestCos = -Infinity;
        const cosines: number[] = [];
        for (let c = 0; c < C; c++) {
          const e = codebook.subarray(c * T, (c + 1) * T);
          const cos = z.reduce((a, x, t) => a + x * e[t], 0) / (norm(z) * norm(e));
          cosines.push(cos);
          if (cos > bestCos) [best, bestCos] = [c, cos];
        }
        const got = Number(codes[b * M + m]);
        // Equal, or a candidate within float rounding of the best.
        if (got !== best) expect(bestCos - cosines[got]).toBeLessThan(1e-6);
      }
    }
  });

  it('computes the same with plain ONNX attention', async () => {
    const out = await run(exportTokenizerEncoder(sd, { attention: 'standard' }), {
      image: { type: 'float32', dims: [B, 3, S, S], data: images },
    });
    expect(maxAbsDiff(out.latent.data as Float32Array, latent)).toBeLessThan(1e-5);
    expect(out.codes.data).toEqual(codes);
  });

  it('rejects a head count that does not divide the width', () => {
    expect(() => exportTokenizerEncoder(sd, { numHeads: 5 })).toThrow(RangeError);
    expect(() => exportTokenizerEncoder(sd, { attention: 'flash' as 'fused' })).toThrow(
      /attention: expected one of/,
    );
  });
});

describe('exportTokenizerDecoder', () => {
  const tokens = Int32Array.from({ length: B * M }, (_, i) => (i * 29 + 7) % C);
  let decoded: Float32Array;
  beforeAll(async () => {
    const out = await run(exportTokenizerDecoder(sd), {
      tokens: { type: 'int32', dims: [B, M], data: tokens },
    });
    expect(out.decoded.dims).toEqual([B, 3, S, S]);
    decoded = out.decoded.data as Float32Array;
  });

  it('does not depend on the order of the tokens of a set', async () => {
    const shuffled = new Int32Array(tokens.length);
    for (let b = 0; b < B; b++)
      for (let m = 0; m < M; m++) shuffled[b * M + m] = tokens[b * M + ((m * 3 + b) % M)];
    const out = await run(exportTokenizerDecoder(sd), {
      tokens: { type: 'int32', dims: [B, M], data: shuffled },
    });
    expect(maxAbsDiff(out.decoded.data as Float32Array, decoded)).toBeLessThan(1e-4);
  });

  it('computes the same with plain ONNX attention, and per row as in a batch', async () => {
    const out = await run(exportTokenizerDecoder(sd, { attention: 'standard' }), {
      tokens: { type: 'int32', dims: [1, M], data: tokens.subarray(M, 2 * M) },
    });
    expect(maxAbsDiff(out.decoded.data as Float32Array, decoded.subarray(3 * S * S, 6 * S * S))).toBeLessThan(
      1e-4,
    );
  });
});
