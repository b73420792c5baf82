/**
 * A 5×7 bitmap font for captions. Drawing text with sharp needs system fonts (librsvg / Pango), which
 * a fresh container or CI runner may lack; these glyphs are drawn straight into the RGB buffer, so
 * captions look the same everywhere. Lower case is drawn as upper case.
 */

import type { RgbImage } from '@tokenset/image';

const GLYPH_ROWS: Record<string, string> = {
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 10001 01010 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  ',': '00000 00000 00000 00000 01100 00100 01000',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '/': '00000 00001 00010 00100 01000 10000 00000',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '=': '00000 00000 11111 00000 11111 00000 00000',
  '+': '00000 00100 00100 11111 00100 00100 00000',
  _: '00000 00000 00000 00000 00000 00000 11111',
  '%': '11000 11001 00010 00100 01000 10011 00011',
  '#': '01010 01010 11111 01010 11111 01010 01010',
  '?': '01110 10001 00001 00010 00100 00000 00100',
};

/** Width and height of a glyph cell in font pixels (5×7 glyph plus one column of spacing). */
export const GLYPH_WIDTH = 6;
export const GLYPH_HEIGHT = 7;

const GLYPHS = new Map<string, Uint8Array>(
  Object.entries(GLYPH_ROWS).map(([ch, rows]) => [ch, Uint8Array.from(rows.replaceAll(' ', ''), Number)]),
);

function glyph(ch: string): Uint8Array {
  return GLYPHS.get(ch.toUpperCase()) ?? GLYPHS.get('?')!;
}

/** Width in pixels of `text` drawn at `scale` (without the trailing spacing column). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_WIDTH - 1) * scale;
}

/** Draws `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` square. */
export function drawText(
  image: RgbImage,
  text: string,
  x: number,
  y: number,
  scale: number,
  color: readonly [number, number, number] = [0, 0, 0],
): void {
  for (let c = 0; c < text.length; c++) {
    const bits = glyph(text[c]);
    const gx = x + c * GLYPH_WIDTH * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < 5; col++) {
        if (bits[row * 5 + col] === 0) continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + row * scale + dy;
          if (py < 0 || py >= image.height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = gx + col * scale + dx;
            if (px < 0 || px >= image.width) continue;
            const o = (py * image.width + px) * 3;
            image.data[o] = color[0];
            image.data[o + 1] = color[1];
            image.data[o + 2] = color[2];
          }
        }
      }
    }
  }
}
