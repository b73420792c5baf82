import { describe } from '@tokenset/tensor-io';
import { MetricError } from './errors.js';

/** Memory layout of a batch of images: channels last (`nhwc`, what image decoders give) or first (`nchw`). */
export type ImageLayout = 'nhwc' | 'nchw';

/** Describes a flat batch of 8-bit RGB images. */
export interface ImageBatchShape {
  /** Number of images. */
  n: number;
  /** Height in pixels. */
  height: number;
  /** Width in pixels. */
  width: number;
  /** Memory layout; default `'nhwc'`. */
  layout?: ImageLayout;
  /** Channels per pixel: must be 3 (RGB), as torch-fidelity requires; given only to be checked. */
  channels?: number;
}

const LAYOUTS: readonly ImageLayout[] = ['nhwc', 'nchw'];

/** Checks a uint8 image batch against its declared shape and returns the resolved layout. */
export function checkImageBatch(images: unknown, shape: ImageBatchShape): ImageLayout {
  if (!(images instanceof Uint8Array)) {
    const kind =
      images instanceof Float32Array || images instanceof Float64Array
        ? `a ${images.constructor.name} (float images)`
        : describe(images);
    throw new TypeError(
      `images: expected a Uint8Array of 8-bit RGB pixels (torch-fidelity takes uint8 images), got ${kind}`,
    );
  }
  if (typeof shape !== 'object' || shape === null) {
    throw new TypeError(`shape: expected { n, height, width, layout? }, got ${describe(shape)}`);
  }
  for (const key of ['n', 'height', 'width'] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`${key}: expected a positive integer, got ${String(v)}`);
    }
  }
  const layout = shape.layout ?? 'nhwc';
  if (!LAYOUTS.includes(layout)) {
    throw new RangeError(`layout: expected one of ${LAYOUTS.join(', ')}, got ${String(layout)}`);
  }
  if (shape.channels !== undefined && shape.channels !== 3) {
    throw new MetricError(`channels: expected 3 (RGB images), got ${shape.channels}`);
  }
  const pixels = shape.n * shape.height * shape.width;
  if (images.length !== pixels * 3) {
    const channels = images.length / pixels;
    const found = Number.isInteger(channels)
      ? `${channels} channel(s) per pixel`
      : `${images.length} values, not a multiple of ${pixels}`;
    throw new MetricError(
      `images: expected ${shape.n}×${shape.height}×${shape.width}×3 = ${pixels * 3} values (RGB), got ${found}`,
    );
  }
  return layout;
}
