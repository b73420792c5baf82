/**
 * Pillow's separable resampling of 8-bit images (`Image.resize` with a filter), reproduced
 * operation for operation so that results are identical to Pillow 9.4 (libImaging `Resample.c`):
 * filter weights computed in double precision and normalised per output pixel, converted to
 * 22-bit fixed point, a horizontal pass (rounded and clipped to 8 bits) then a vertical pass, and
 * a pass skipped when its size does not change.
 */

import { checkImage, type RgbImage } from '@tokenset/image';

/** The resampling filters of Pillow that this module reproduces. */
export type ResampleFilter = 'box' | 'bilinear' | 'bicubic' | 'lanczos';

/** The names accepted for {@link ResampleFilter}, in the order errors list them. */
export const RESAMPLE_FILTERS: readonly ResampleFilter[] = ['box', 'bilinear', 'bicubic', 'lanczos'];

interface Filter {
  /** The kernel, evaluated at a distance in input pixels (already divided by the filter scale). */
  kernel: (x: number) => number;
  /** Half-width of the kernel at scale 1. */
  support: number;
}

// Kernels as Pillow defines them (Resample.c: box_filter, bilinear_filter, bicubic_filter with
// a = -0.5, lanczos_filter with 3 lobes). The bracketing mirrors the C expressions so that the
// double-precision results are the same.
function boxKernel(x: number): number {
  return x > -0.5 && x <= 0.5 ? 1 : 0;
}

function bilinearKernel(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

function bicubicKernel(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  x = x * Math.PI;
  return Math.sin(x) / x;
}

function lanczosKernel(x: number): number {
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

const FILTERS: Record<ResampleFilter, Filter> = {
  box: { kernel: boxKernel, support: 0.5 },
  bilinear: { kernel: bilinearKernel, support: 1 },
  bicubic: { kernel: bicubicKernel, support: 2 },
  lanczos: { kernel: lanczosKernel, support: 3 },
};

/** Fixed-point precision of the coefficients: 32 bits minus 8 for the result and 2 for overflow. */
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per-output-pixel filter taps along one axis, in Pillow's fixed point. */
interface Coefficients {
  /** Taps per output pixel (the stride of `weights`). */
  ksize: number;
  /** First input index used by output pixel i. */
  first: Int32Array;
  /** Number of input pixels used by output pixel i. */
  count: Int32Array;
  /** `ksize` fixed-point weights per output pixel. */
  weights: Int32Array;
}

/**
 * The taps of one axis (Resample.c `precompute_coeffs` + `normalize_coeffs_8bpc`) for resizing
 * `inSize` pixels (the region [in0, in1)) to `outSize` pixels.
 */
function coefficients(
  inSize: number,
  in0: number,
  in1: number,
  outSize: number,
  filter: Filter,
): Coefficients {
  const scale = (in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    // C casts truncate toward zero; the bounds are then clamped to the image.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.kernel((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      // (int)(±0.5 + w · 2^22): rounds half away from zero by truncation.
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, first, count, weights };
}

/** Pillow's `clip8`: the fixed-point sum shifted down (arithmetic shift = floor), clamped to 0..255. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return Math.min(Math.max(v, 0), 255);
}

/** Horizontal pass over rows [rowStart, rowStart + rows) of `src` (width `srcWidth`). */
function horizontal(
  src: Uint8Array,
  srcWidth: number,
  channels: number,
  rowStart: number,
  rows: number,
  c: Coefficients,
): Uint8Array {
  const outWidth = c.first.length;
  const out = new Uint8Array(outWidth * rows * channels);
  const acc = new Float64Array(channels);
  for (let y = 0; y < rows; y++) {
    const rowOffset = (y + rowStart) * srcWidth * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = c.first[xx];
      const n = c.count[xx];
      const kBase = xx * c.ksize;
      acc.fill(HALF);
      for (let x = 0; x < n; x++) {
        const w = c.weights[kBase + x];
        const p = rowOffset + (x + xmin) * channels;
        for (let ch = 0; ch < channels; ch++) acc[ch] += src[p + ch] * w;
      }
      const o = (y * outWidth + xx) * channels;
      for (let ch = 0; ch < channels; ch++) out[o + ch] = clip8(acc[ch]);
    }
  }
  return out;
}

/** Vertical pass: output row yy reads rows first[yy] - rowShift ... of `src` (width `width`). */
function vertical(
  src: Uint8Array,
  width: number,
  channels: number,
  rowShift: number,
  c: Coefficients,
): Uint8Array {
  const outHeight = c.first.length;
  const rowLength = width * channels;
  const out = new Uint8Array(outHeight * rowLength);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.first[yy] - rowShift;
    const n = c.count[yy];
    const kBase = yy * c.ksize;
    const o = yy * rowLength;
    for (let i = 0; i < rowLength; i++) {
      let acc = HALF;
      for (let y = 0; y < n; y++) acc += src[(y + ymin) * rowLength + i] * c.weights[kBase + y];
      out[o + i] = clip8(acc);
    }
  }
  return out;
}

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name}: expected a positive integer, got ${value}`);
  }
}

/**
 * Resizes an 8-bit RGB image (HWC) exactly as Pillow 9.4's `Image.resize((width, height), filter)`
 * does for the whole image (no box, no `reducing_gap`): the same output bytes.
 *
 * @param image - the source image.
 * @param width - output width in pixels.
 * @param height - output height in pixels.
 * @param filter - the Pillow filter: `'box'`, `'bilinear'`, `'bicubic'` or `'lanczos'`.
 * @returns a new image of `width` × `height` (a copy when the size is unchanged, as Pillow).
 *
 * @example
 * ```ts
 * const half = resize(image, image.width >> 1, image.height >> 1, 'box');
 * ```
 */
export function resize(image: RgbImage, width: number, height: number, filter: ResampleFilter): RgbImage {
  checkImage('image', image);
  return {
    width,
    height,
    data: resizePixels(image.data, image.width, image.height, 3, width, height, filter),
  };
}

/**
 * The channel-agnostic core of {@link resize}: `data` is `inHeight` × `inWidth` × `channels` bytes.
 */
export function resizePixels(
  data: Uint8Array,
  inWidth: number,
  inHeight: number,
  channels: number,
  width: number,
  height: number,
  filter: ResampleFilter,
): Uint8Array {
  checkSize('width', width);
  checkSize('height', height);
  const f = FILTERS[filter];
  if (f === undefined) {
    throw new RangeError(
      `filter: expected one of ${RESAMPLE_FILTERS.map((n) => `'${n}'`).join(', ')}, got '${String(filter)}'`,
    );
  }
  // Image.resize returns a copy when nothing changes; ImagingResampleInner skips the pass of an
  // axis whose size is unchanged (the region is always the whole image here).
  const needHorizontal = width !== inWidth;
  const needVertical = height !== inHeight;
  const vert = coefficients(inHeight, 0, inHeight, height, f);
  if (!needHorizontal) return needVertical ? vertical(data, inWidth, channels, 0, vert) : data.slice();
  // Only the rows the vertical pass reads are resampled horizontally (the same bytes either way).
  const firstRow = vert.first[0];
  const lastRow = vert.first[height - 1] + vert.count[height - 1];
  const horiz = coefficients(inWidth, 0, inWidth, width, f);
  const temp = horizontal(data, inWidth, channels, firstRow, lastRow - firstRow, horiz);
  return needVertical ? vertical(temp, width, channels, firstRow, vert) : temp;
}
