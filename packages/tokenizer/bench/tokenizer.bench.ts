import { formulaStateDict } from '@tokenset/formula-weights';
import { prepareImage, SetTokenizer, tokenizerFlops, tokenizerShapes } from '@tokenset/tokenizer';
import {
  type Bench,
  type BenchRow,
  imageThroughputRows,
  timedAgainstCeiling,
} from '../../../scripts/bench-types.ts';

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
      rows.push(
        ...imageThroughputRows({
          label: `tokenizer ${part}: ${BATCH} images 256x256`,
          images: BATCH,
          flopsPerImage: perImage,
          timing: await timedAgainstCeiling(run, REPEATS),
          goalRatio: 0.5,
        }),
      );
    }
    return rows;
  } finally {
    await tokenizer.release();
  }
};
export default bench;
