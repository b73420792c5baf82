import { formulaStateDict } from '@tokenset/formula-weights';
import { countsFromTokens, tokensFromCounts } from '@tokenset/set-codec';
import { encodeNpy, readNpy, toNdarray } from '@tokenset/tensor-io';
import { SetTokenizer, TokenizerError, toBytes, tokenizerShapes } from '@tokenset/tokenizer';
import ndarray from 'ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, maxAbsDiff, npyFixture, SMALL, TINY_HEADS } from './helpers.js';

describe('SetTokenizer on the tiny reference tokenizer', () => {
  const image = npyFixture('tiny-tokenizer/image');
  const latent = npyFixture('tiny-tokenizer/latent');
  const codes = Int32Array.from(npyFixture('tiny-tokenizer/codes').data as BigInt64Array, Number);
  const decoded = npyFixture('tiny-tokenizer/decoded').data as Float32Array;
  const decodedReversed = npyFixture('tiny-tokenizer/decoded_reversed').data as Float32Array;
  let tokenizer: SetTokenizer;
  beforeAll(async () => {
    tokenizer = await SetTokenizer.load(fixtureBytes('tiny-tokenizer/tokenizer.pth'), {
      numHeads: TINY_HEADS,
      threads: 2,
    });
  });
  afterAll(() => tokenizer.release());

  it('reads its sizes from the weights', () => {
    expect([tokenizer.imageSize, tokenizer.setSize, tokenizer.numTokens, tokenizer.codebookSize]).toEqual([
      64, 8, 8, 32,
    ]);
  });

  it('encodes: codes equal, latent within 1e-4', async () => {
    const out = await tokenizer.encodeFloat(image.data as Float32Array);
    expect(Array.from(out.tokens)).toEqual(Array.from(codes));
    expect(maxAbsDiff(out.latent, latent.data as Float32Array)).toBeLessThan(1e-4);
  });

  it('decodes within 1e-4, and the reversed order to the same image', async () => {
    const out = await tokenizer.decodeFloat(codes);
    expect(maxAbsDiff(out, decoded)).toBeLessThan(1e-4);
    const reversed = new Int32Array(codes.length);
    for (let b = 0; b < 2; b++) for (let m = 0; m < 8; m++) reversed[b * 8 + m] = codes[b * 8 + 7 - m];
    const outReversed = await tokenizer.decodeFloat(reversed);
    expect(maxAbsDiff(outReversed, decodedReversed)).toBeLessThan(1e-4);
    expect(maxAbsDiff(outReversed, out)).toBeLessThan(1e-4);
    expect(maxAbsDiff(decodedReversed, decoded)).toBeLessThan(1e-4); // the reference's own order invariance
    // uint8 output: the reference's clamp(127.5x + 128) truncation, NHWC.
    expect(await tokenizer.decode(codes)).toEqual(toBytes(out, 64));
    // Sorted before decoding (the default), any order of a set gives bit-identical pixels.
    expect(outReversed).toEqual(out);
  });

  it("decodes in the caller's order with decodeOrder 'as-given', and refuses unknown orders", async () => {
    const given = await SetTokenizer.load(fixtureBytes('tiny-tokenizer/tokenizer.pth'), {
      numHeads: TINY_HEADS,
      parts: 'decoder',
      decodeOrder: 'as-given',
    });
    try {
      expect(maxAbsDiff(await given.decodeFloat(codes), decoded)).toBeLessThan(1e-4);
    } finally {
      await given.release();
    }
    await expect(
      SetTokenizer.load(fixtureBytes('tiny-tokenizer/tokenizer.pth'), { decodeOrder: 'random' as never }),
    ).rejects.toThrow("decodeOrder: expected one of 'sorted', 'as-given', got 'random'");
  });

  it('splits large batches without changing rows', async () => {
    const small = await SetTokenizer.load(fixtureBytes('tiny-tokenizer/tokenizer.pth'), {
      numHeads: TINY_HEADS,
      maxBatch: 1,
      threads: 2,
    });
    try {
      expect((await small.encodeFloat(image.data as Float32Array)).tokens).toEqual(codes);
      expect(maxAbsDiff(await small.decodeFloat(codes), decoded)).toBeLessThan(1e-4);
    } finally {
      await small.release();
    }
  });
});

describe('SetTokenizer from formula weights (the demo configuration)', () => {
  let tokenizer: SetTokenizer;
  const S = 64;
  const images = Uint8Array.from({ length: 2 * S * S * 3 }, (_, i) => (i * 7 + (i >> 9)) & 255);
  beforeAll(async () => {
    tokenizer = await SetTokenizer.load(formulaStateDict(tokenizerShapes(SMALL)), { threads: 2 });
  });
  afterAll(() => tokenizer.release());

  it('encodes uint8 HWC images as the reference normalises them', async () => {
    const tokens = await tokenizer.encode(images);
    expect(tokens.length).toBe(16);
    // The same pixels as an NCHW float tensor in [-1, 1] (ToTensor, Normalize(0.5, 0.5)).
    const x = new Float32Array(images.length);
    for (let b = 0; b < 2; b++)
      for (let p = 0; p < S * S; p++)
        for (let c = 0; c < 3; c++)
          x[(b * 3 + c) * S * S + p] = (images[(b * S * S + p) * 3 + c] / 255 - 0.5) / 0.5;
    expect((await tokenizer.encodeFloat(x)).tokens).toEqual(tokens);
    // One image object, or a list, is the same as the flat batch.
    const second = { width: S, height: S, data: images.subarray(S * S * 3) };
    expect(await tokenizer.encode(second)).toEqual(tokens.subarray(8));
    expect(
      await tokenizer.encode([{ width: S, height: S, data: images.subarray(0, S * S * 3) }, second]),
    ).toEqual(tokens);
  });

  it('encodes an ndarray view of a readNpy result (no copy) as it encodes the typed array', async () => {
    const npy = await readNpy(encodeNpy({ dtype: 'uint8', shape: [2, S, S, 3], data: images }));
    const view = toNdarray(npy, ndarray);
    expect(view.data).toBe(npy.data);
    const tokens = await tokenizer.encode(images);
    expect(await tokenizer.encode(view)).toEqual(tokens);
    expect(await tokenizer.encode(view.pick(1, null, null, null))).toEqual(tokens.subarray(8));
    // Channels-first data seen through a transposed view: the same pixels, other strides.
    const nchw = new Uint8Array(images.length);
    for (let b = 0; b < 2; b++)
      for (let p = 0; p < S * S; p++)
        for (let c = 0; c < 3; c++) nchw[(b * 3 + c) * S * S + p] = images[(b * S * S + p) * 3 + c];
    expect(await tokenizer.encode(ndarray(nchw, [2, 3, S, S]).transpose(0, 2, 3, 1))).toEqual(tokens);
    await expect(tokenizer.encode(ndarray(nchw, [2, 3, S, S]))).rejects.toThrow(
      'images: expected an ndarray of shape [B, 64, 64, 3] or [64, 64, 3], got [2, 3, 64, 64]',
    );
    await expect(tokenizer.encode(ndarray(new Float32Array(S * S * 3), [S, S, 3]) as never)).rejects.toThrow(
      'images: expected an ndarray of uint8 RGB values, got one of a Float32Array(12288)',
    );
  });

  it('goes through count vectors (the dual transformation)', async () => {
    const counts = await tokenizer.encodeCounts(images);
    const tokens = await tokenizer.encode(images);
    expect(counts).toEqual(countsFromTokens(tokens, 64, 2));
    // Counts decode as the sorted token sequence: the same image up to float rounding of the order.
    const fromCounts = await tokenizer.decodeCounts(counts);
    expect(fromCounts).toEqual(await tokenizer.decode(tokensFromCounts(counts, 8, 2)));
    expect(maxAbsDiff(fromCounts, await tokenizer.decode(tokens))).toBeLessThanOrEqual(1);
  });

  it('returns images', async () => {
    const list = await tokenizer.decodeImages(Int32Array.from({ length: 16 }, (_, i) => i));
    expect(list.map((im) => [im.width, im.height, im.data.length])).toEqual([
      [64, 64, 64 * 64 * 3],
      [64, 64, 64 * 64 * 3],
    ]);
  });

  it('reports wrong sizes, ids out of range and wrong batch lengths', async () => {
    await expect(tokenizer.encode(new Uint8Array(100))).rejects.toThrow(
      /images: expected a positive multiple of 12288 values \(\[B, 64, 64, 3\] uint8 RGB\), got 100/,
    );
    await expect(
      tokenizer.encode({ width: 32, height: 64, data: new Uint8Array(32 * 64 * 3) }),
    ).rejects.toThrow(/images\[0\]: expected 64x64 RGB .* got 32x64/);
    await expect(tokenizer.encode([])).rejects.toThrow(RangeError);
    await expect(tokenizer.encodeFloat(new Float32Array(5))).rejects.toThrow(RangeError);
    await expect(tokenizer.decode(new Int32Array(7))).rejects.toThrow(
      /tokens: expected a positive multiple of 8/,
    );
    await expect(
      tokenizer.decode(Int32Array.from({ length: 8 }, (_, i) => (i === 3 ? 64 : 0))),
    ).rejects.toThrow(/tokens\[0, 3\]: expected a token id in \[0, 64\), got 64/);
    await expect(tokenizer.decode([0, 1, 2, 3, 4, 5, 6, -1])).rejects.toThrow(RangeError);
    await expect(tokenizer.decode('abc' as unknown as Int32Array)).rejects.toThrow(TypeError);
    await expect(tokenizer.decodeCounts(new Int32Array(63))).rejects.toThrow(RangeError);
    const counts = new Int32Array(64);
    counts[0] = 7;
    await expect(tokenizer.decodeCounts(counts)).rejects.toThrow(
      /counts\[0\]: expected a row summing to 8, got 7/,
    );
  });

  it('loads only the half it is asked for', async () => {
    const sd = formulaStateDict(tokenizerShapes(SMALL));
    const decoderOnly = await SetTokenizer.load(sd, { parts: 'decoder', threads: 2 });
    try {
      await expect(decoderOnly.encode(images)).rejects.toThrow(TokenizerError);
      expect((await decoderOnly.decode(new Int32Array(8))).length).toBe(S * S * 3);
    } finally {
      await decoderOnly.release();
    }
    await expect(SetTokenizer.load(sd, { parts: 'all' as 'both' })).rejects.toThrow(/parts: expected one of/);
    await expect(SetTokenizer.load(sd, { maxBatch: 0 })).rejects.toThrow(RangeError);
  });

  it('says when a checkpoint is not a tokenizer', async () => {
    await expect(SetTokenizer.load(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(SetTokenizer.load(new Map())).rejects.toThrow(TokenizerError);
  });
});
