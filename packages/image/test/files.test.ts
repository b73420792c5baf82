import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  batchImage,
  checkImage,
  encodePng,
  IMAGE_EXTENSIONS,
  isCompleteImage,
  isImageFileName,
  listImageFiles,
  readRgbImage,
  writePng,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenset-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pattern(width: number, height: number): Uint8Array {
  return Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + (i >> 5)) & 255);
}

describe('PNG output', () => {
  it('round-trips through writePng and encodePng; isCompleteImage checks size and truncation', async () => {
    const image = { width: 7, height: 3, data: pattern(7, 3) };
    const path = join(dir, 'sub', 'out.png');
    await writePng(path, image);
    expect((await readRgbImage(path)).data).toEqual(image.data);
    const bytes = await encodePng(image);
    expect((await readRgbImage(bytes)).data).toEqual(image.data);
    expect(await isCompleteImage(path, 7, 3)).toBe(true);
    expect(await isCompleteImage(path, 3, 7)).toBe(false);
    writeFileSync(join(dir, 'cut.png'), bytes.subarray(0, bytes.length - 20));
    expect(await isCompleteImage(join(dir, 'cut.png'), 7, 3)).toBe(false);
  });

  it('checks images', () => {
    expect(() => checkImage('image', { width: 2, height: 2, data: new Uint8Array(11) })).toThrow(
      'image.data: expected 12 bytes for 2x2 RGB, got 11',
    );
    expect(() => checkImage('image', null as never)).toThrow(
      'image: expected an RgbImage {width, height, data}, got null',
    );
    expect(batchImage(pattern(2, 2).slice(), 0, 1, 2).data.length).toBe(6);
    expect(() => batchImage(new Uint8Array(12), 2, 1, 2)).toThrow(/inside a batch of 2, got 2/);
  });
});

describe('listImageFiles: one list of readable formats', () => {
  it('lists every readable format (webp too), sorted by UTF-8 bytes, skipping folders and partial files', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'nested.png'), { recursive: true });
    for (const name of ['b.PNG', 'a.jpg', 'é.png', 'c.webp', 'd.txt', 'e.gif', 'f.png.partial-1-ab'])
      writeFileSync(join(folder, name), '');
    const files = (await listImageFiles(folder)).map((f) => f.slice(folder.length + 1));
    expect(files).toEqual(['a.jpg', 'b.PNG', 'c.webp', 'e.gif', 'é.png']);
    expect((await listImageFiles(folder, { extensions: ['png'] })).length).toBe(2);
    await expect(listImageFiles(join(dir, 'missing'))).rejects.toThrow(
      /expected a readable directory, got .*ENOENT/,
    );
    expect(IMAGE_EXTENSIONS).toEqual(['png', 'jpg', 'jpeg', 'webp', 'gif', 'tif', 'tiff']);
    expect(isImageFileName('x.JPEG')).toBe(true);
    expect(isImageFileName('x.bmp')).toBe(false);
  });
});
