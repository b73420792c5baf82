import { InceptionV3, inceptionShapes } from '@tokenset/eval';
import { formulaStateDict } from '@tokenset/formula-weights';
import { type Bench, imageThroughputRows, timedAgainstCeiling } from '../../../scripts/bench-types.ts';

// InceptionV3 feature extraction at batch 16 (256×256 uint8 images, resized to 299 in TypeScript),
// with the network's FLOPs counted analytically by the exporter, next to onnxruntime's float32
// MatMul throughput measured in the same process just before each timed run (the machine is
// shared, so both are medians of paired measurements).
const BATCH = 16;
const REPEATS = 3;

const bench: Bench = async () => {
  const inception = await InceptionV3.load(formulaStateDict(inceptionShapes()), { batchSize: BATCH });
  try {
    const images = new Uint8Array(BATCH * 256 * 256 * 3);
    for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
    const shape = { n: BATCH, height: 256, width: 256 };
    await inception.features(images, shape); // warm-up
    const timing = await timedAgainstCeiling(() => inception.features(images, shape), REPEATS);
    return imageThroughputRows({
      label: `InceptionV3 features: batch ${BATCH}, 256² → 299² (resize included)`,
      images: BATCH,
      flopsPerImage: inception.flopsPerImage,
      timing,
      goalRatio: 0.5,
    });
  } finally {
    await inception.release();
  }
};
export default bench;
