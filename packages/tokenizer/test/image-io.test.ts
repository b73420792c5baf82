import { readFileSync } from 'node:fs';
import { readRgbImage } from '@tokenset/image';
import { parseNpy } from '@tokenset/tensor-io';
import { prepareImage } from '@tokenset/tokenizer';
import { describe, expect, it } from 'vitest';

// Decoding itself is tested in @tokenset/image against Pillow; here: the reference's own image.
const demoPath = new URL('./fixtures/demo.png', import.meta.url);
const demoU8 = parseNpy(
  new Uint8Array(readFileSync(new URL('./fixtures/full-tokenizer/image_u8.npy', import.meta.url))),
);

describe('the reference image', () => {
  it('decodes demo.png to the reference image_u8 (Pillow convert("RGB"))', async () => {
    const image = await readRgbImage(demoPath.pathname);
    expect([image.height, image.width, 3]).toEqual(demoU8.shape);
    expect(Buffer.compare(Buffer.from(image.data), Buffer.from(demoU8.data as Uint8Array))).toBe(0);
  });
});

describe('prepareImage', () => {
  it('takes a path, bytes or an image and crops to the size', async () => {
    const a = await prepareImage(demoPath.pathname, 128);
    const b = await prepareImage(new Uint8Array(readFileSync(demoPath)), 128);
    const c = await prepareImage(await readRgbImage(demoPath.pathname), 128);
    expect([a.width, a.height]).toEqual([128, 128]);
    expect(b.data).toEqual(a.data);
    expect(c.data).toEqual(a.data);
    // A 256x256 image at size 256 is unchanged (Pillow's resize to the same size is a copy).
    expect((await prepareImage(demoPath.pathname)).data).toEqual(demoU8.data);
  });
});
