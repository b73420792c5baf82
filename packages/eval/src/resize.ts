import { checkImageBatch, type ImageBatchShape } from './image-batch.js';

/** Side of the square input of InceptionV3. */
export const INCEPTION_SIZE = 299;

const f32 = Math.fround;

/** Precomputed source taps of one axis of the TF1 bilinear resize. */
interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

/**
 * Source indices and weights along one axis, as torch-fidelity's
 * `interpolate_bilinear_2d_like_tensorflow1x(..., align_corners=False)` ('slow' method) computes
 * them in float32: `src = float32(i) * float32(in/out)` (no half-pixel offset), `lo = trunc(src)`,
 * `hi = min(lo + 1, in - 1)`, `frac = src - lo`.
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = f32(inSize / outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = f32(i * scale);
    const l = Math.trunc(src);
    lo[i] = l;
    hi[i] = Math.min(l + 1, inSize - 1);
    frac[i] = f32(src - l);
  }
  return { lo, hi, frac };
}

/**
 * Resizes uint8 RGB images to `size`×`size` with TensorFlow 1.x bilinear interpolation, bit for bit
 * as torch-fidelity's `interpolate_bilinear_2d_like_tensorflow1x` on the CPU: each step
 * (`a + (b - a)·dx` along x on two rows, then the same along y) is rounded to float32.
 *
 * @param images - pixels, `n·height·width·3` bytes in `shape.layout` order (default `nhwc`).
 * @param shape - the batch shape.
 * @param size - output side (default 299, InceptionV3's input).
 * @returns float32 `[n, 3, size, size]` (channels first) with values in [0, 255], before `(x-128)/128`.
 */
export function resizeBilinearTF1(
  images: Uint8Array,
  shape: ImageBatchShape,
  size = INCEPTION_SIZE,
): Float32Array {
  const layout = checkImageBatch(images, shape);
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size: expected a positive integer, got ${size}`);
  const { n, height, width } = shape;
  const ty = axisTaps(height, size);
  const tx = axisTaps(width, size);
  const out = new Float32Array(n * 3 * size * size);
  // Per channel plane strides of the source: nhwc interleaves channels.
  const pixStride = layout === 'nhwc' ? 3 : 1;
  const rowStride = width * pixStride;
  const chanStride = layout === 'nhwc' ? 1 : height * width;
  const imageStride = height * width * 3;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < 3; c++) {
      const base = b * imageStride + c * chanStride;
      const dst = (b * 3 + c) * size * size;
      for (let oy = 0; oy < size; oy++) {
        const r0 = base + ty.lo[oy] * rowStride;
        const r1 = base + ty.hi[oy] * rowStride;
        const dy = ty.frac[oy];
        const o = dst + oy * size;
        for (let ox = 0; ox < size; ox++) {
          const x0 = tx.lo[ox] * pixStride;
          const x1 = tx.hi[ox] * pixStride;
          const dx = tx.frac[ox];
          const v00 = images[r0 + x0];
          const v01 = images[r0 + x1];
          const v10 = images[r1 + x0];
          const v11 = images[r1 + x1];
          // Integer differences and their products with a float32 weight are exact in float64;
          // every torch op's float32 rounding is reproduced with fround.
          const top = f32(v00 + f32((v01 - v00) * dx));
          const bottom = f32(v10 + f32((v11 - v10) * dx));
          out[o + ox] = f32(top + f32(f32(bottom - top) * dy));
        }
      }
    }
  }
  return out;
}

/**
 * Maps resized pixels in [0, 255] to InceptionV3's input range in place: `(x - 128) / 128`, in
 * float32 as torch-fidelity does.
 */
export function normalizeInceptionInput(pixels: Float32Array): Float32Array {
  for (let i = 0; i < pixels.length; i++) pixels[i] = f32(pixels[i] - 128) / 128;
  return pixels;
}
