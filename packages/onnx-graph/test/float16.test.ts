import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from '@tokenset/onnx-graph';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('float16', () => {
  it('converts known values', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // rounds to infinity
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(0.33325, 5);
  });

  it('round-trips every float16 value', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let i = 0; i < 65536; i++) {
      const nan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!nan) expect(back[i]).toBe(i);
    }
  });

  it('rounds to the nearest float16', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const h = fromFloat16Bits(toFloat16Bits(x));
        const step = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** -14))) - 10);
        expect(Math.abs(h - x)).toBeLessThanOrEqual(step / 2);
      }),
    );
  });
});
