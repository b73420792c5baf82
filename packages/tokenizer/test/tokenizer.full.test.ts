// Full-size parity against the reference (`pnpm test:full`): the released architecture (ViT-B
// encoder and decoder, 128 tokens, codebook 4096×12, MaskGIT-VQGAN pixel decoder) with formula
// weights, on demo.png. Slow (a minute or so on two cores) and about 3 GB of memory.
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { prepareImage, SetTokenizer } from '@tokenset/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFixture, maxAbsDiff, npyFixture } from './helpers.js';

describe('the released tokenizer architecture (formula weights) on demo.png', () => {
  const image = npyFixture('full-tokenizer/image_u8');
  const codes = Int32Array.from(npyFixture('full-tokenizer/codes').data as BigInt64Array, Number);
  const decoded = npyFixture('full-tokenizer/decoded').data as Float32Array;
  const decodedU8 = npyFixture('full-tokenizer/decoded_u8').data as Uint8Array;
  const stateDict = formulaStateDict(parseShapes(jsonFixture('full-tokenizer/shapes.json')));
  let tokenizer: SetTokenizer;
  beforeAll(async () => {
    tokenizer = await SetTokenizer.load(stateDict);
  });
  afterAll(() => tokenizer.release());

  it('prepares demo.png into the reference input', async () => {
    const prepared = await prepareImage(new URL('./fixtures/demo.png', import.meta.url).pathname);
    expect(Buffer.compare(Buffer.from(prepared.data), Buffer.from(image.data as Uint8Array))).toBe(0);
  });

  it('encodes to the reference codes (or a candidate within float rounding)', async () => {
    const tokens = await tokenizer.encode(image.data as Uint8Array);
    const differing: number[] = [];
    for (const [i, t] of tokens.entries()) if (t !== codes[i]) differing.push(i);
    console.log(`full tokenizer: ${128 - differing.length}/128 codes equal`);
    if (differing.length > 0) {
      // Cosine similarity of the latent token to both candidates: they must tie within rounding.
      const { latent } = await tokenizer.encodeFloat(normalise(image.data as Uint8Array));
      const codebook = stateDict.get('quantize.embedding.weight')!.data;
      for (const m of differing) {
        const z = Array.from({ length: 12 }, (_, t) => latent[t * 128 + m]);
        const ours = cosine(z, codebook.subarray(tokens[m] * 12, tokens[m] * 12 + 12));
        const theirs = cosine(z, codebook.subarray(codes[m] * 12, codes[m] * 12 + 12));
        console.log(`token ${m}: ours ${tokens[m]} cos ${ours}, reference ${codes[m]} cos ${theirs}`);
        expect(Math.abs(ours - theirs)).toBeLessThan(1e-6);
      }
    }
  });

  it('decodes the reference codes within 1e-3 (float) and 1 level (uint8)', async () => {
    const out = await tokenizer.decodeFloat(codes);
    const diff = maxAbsDiff(out, decoded);
    const bytes = await tokenizer.decode(codes);
    const byteDiff = maxAbsDiff(bytes, decodedU8);
    let off = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== decodedU8[i]) off++;
    console.log(
      `full tokenizer: decoded max |diff| ${diff}; uint8 max diff ${byteDiff} on ${off}/${bytes.length} values`,
    );
    expect(diff).toBeLessThan(1e-3);
    expect(byteDiff).toBeLessThanOrEqual(1);
  });
});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** uint8 HWC → the reference's [-1, 1] NCHW (ToTensor, Normalize(0.5, 0.5)). */
function normalise(bytes: Uint8Array): Float32Array {
  const plane = bytes.length / 3;
  const out = new Float32Array(bytes.length);
  for (let p = 0; p < plane; p++)
    for (let c = 0; c < 3; c++) out[c * plane + p] = (bytes[3 * p + c] / 255 - 0.5) / 0.5;
  return out;
}
