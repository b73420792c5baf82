import { formulaStateDict } from '@tokenset/formula-weights';
import { prepareImage, SetTokenizer, tokenizerFlops, tokenizerShapes } from '@tokenset/tokenizer';
import { type Bench, type BenchRow, timedAgainstCeiling } from '../../../scripts/bench-types.ts';

// Encode and decode a batch of 4 full-size images (the released architecture with formula weights:
// the speed does not depend on the values). The figure is achieved GFLOP/s (FLOPs counted
// analytically by tokenizerFlops), judged against onnxruntime's float32 MatMul throughput measured
// in the same process. On a shared machine the load changes from second to second, so each timed
// run is paired with a ceiling measurement just before it, and both figures are medians.
const BATCH = 4;
const REPEATS = 3;

const bench: Bench = async () => {
  const tokenizer = await SetTokenizer.load(formulaStateDict(tokenizerShapes()), { maxBatch: BATCH });
  try {
    const flops = tokenizerFlops(tokenizer.config);
    const demo = await prepareImage(new URL('../test/fixtures/demo.png', import.meta.url).pathname);
    const images = new Uint8Array(BATCH * demo.data.length);
    for (let i = 0; i < BATCH; i++) images.set(demo.data, i * demo.data.length);
    const tokens = await tokenizer.encode(images); // warm-up
    await tokenizer.decode(tokens); // warm-up
    const parts = [
      { part: 'encode', perImage: flops.encoder, run: () => tokenizer.encode(images) },
      { part: 'decode', perImage: flops.decoder, run: () => tokenizer.decode(tokens) },
    ];
    const rows: BenchRow[] = [];
    for (const { part, perImage, run } of parts) {
      const { seconds, ceiling, ceilings } = await timedAgainstCeiling(run, REPEATS);
      const gflops = (BATCH * perImage) / seconds / 1e9;
      rows.push(
        {
          name: `tokenizer ${part}: ${BATCH} images 256x256, ${(perImage / 1e9).toFixed(1)} GFLOP each`,
          figure: gflops,
          unit: 'GFLOP/s',
          ceiling,
          ceilingName: `ORT MatMul 2048² (${ceilings.map((c) => c.toFixed(0)).join('/')})`,
          better: 'higher',
          goal: '>= 50% of ceiling',
          met: gflops >= 0.5 * ceiling,
        },
        {
          name: `tokenizer ${part}: ${BATCH} images 256x256`,
          figure: BATCH / seconds,
          unit: 'images/s',
          ceiling: (ceiling * 1e9) / perImage,
          ceilingName: 'at the MatMul ceiling',
          better: 'higher',
        },
      );
    }
    return rows;
  } finally {
    await tokenizer.release();
  }
};
export default bench;
