/** An 8-bit RGB image in memory: `height` rows of `width` pixels, 3 interleaved bytes each (HWC). */
export interface RgbImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `height · width · 3` bytes, row-major, R G B per pixel. */
  readonly data: Uint8Array;
}

/** Throws a TypeError/RangeError unless `image` is a well-formed {@link RgbImage}. */
export function checkImage(name: string, image: RgbImage): void {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(
      `${name}: expected an RgbImage {width, height, data}, got ${image === null ? 'null' : typeof image}`,
    );
  }
  if (!(image.data instanceof Uint8Array)) {
    throw new TypeError(`${name}.data: expected a Uint8Array, got ${describe(image.data)}`);
  }
  for (const key of ['width', 'height'] as const) {
    if (!Number.isInteger(image[key]) || image[key] < 1) {
      throw new RangeError(`${name}.${key}: expected a positive integer, got ${image[key]}`);
    }
  }
  const expected = image.width * image.height * 3;
  if (image.data.length !== expected) {
    throw new RangeError(
      `${name}.data: expected ${expected} bytes for ${image.width}x${image.height} RGB, got ${image.data.length}`,
    );
  }
}

/** A short description of a value's kind for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}
