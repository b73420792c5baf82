#!/usr/bin/env python3
"""Writes the image-format fixtures of @tokenset/image and what Pillow makes of them.

For each case: an input file in packages/image/test/fixtures/<case>.<ext> and the expected pixels
packages/image/test/fixtures/<case>.<ext>.expected.npy (uint8, H x W x 3), computed as the reference reads
images: `PIL.Image.open(path).convert('RGB')`, with the two deliberate differences of readRgbImage:

- alpha (RGBA, LA, palette with transparency) is composited on white, round(c*a/255 + 255*(1 - a/255)),
  where Pillow's convert('RGB') drops it (which shows whatever colour transparent pixels happen to hold);
- 16-bit greyscale keeps the high byte (v >> 8), as Pillow does for 16-bit RGB, where Pillow 9's
  convert('RGB') clips 16-bit grey at 255 (a white image).

EXIF orientation is not applied, as neither convert('RGB') nor the reference applies it.
cases.json lists the cases and, where decoders may differ, the largest allowed pixel difference.

Run with Pillow and NumPy (Debian: apt-get install python3-pil python3-numpy):
    python3 tools/image/make_fixtures.py
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'image', 'test', 'fixtures')
W, H = 13, 9  # odd sizes catch row-stride mistakes
rng = np.random.RandomState(14)


def smooth_rgb():
    """A smooth colour ramp with a little noise (JPEG-friendly, but every value different)."""
    y, x = np.mgrid[0:H, 0:W]
    r = 20 + 17 * x + rng.randint(0, 4, (H, W))
    g = 30 + 22 * y + rng.randint(0, 4, (H, W))
    b = 200 - 9 * x - 7 * y + rng.randint(0, 4, (H, W))
    return np.stack([r, g, b], -1).clip(0, 255).astype(np.uint8)


def png_bytes(width, height, bit_depth, colour_type, rows):
    """A minimal PNG (Pillow cannot write 16-bit RGB)."""

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b''.join(b'\x00' + row for row in rows)
    header = struct.pack('>IIBBBBB', width, height, bit_depth, colour_type, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')


def on_white(rgba):
    """Composites RGBA (uint8) on white: round(c*a/255 + 255*(255-a)/255), as readRgbImage does."""
    c = rgba[..., :3].astype(np.int64)
    a = rgba[..., 3:4].astype(np.int64)
    return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def pillow_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'))


cases = []


def case(name, ext, write, expected=None, tolerance=0, note=''):
    path = os.path.join(OUT, f'{name}.{ext}')
    write(path)
    pixels = pillow_rgb(path) if expected is None else expected(path)
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3, name
    np.save(os.path.join(OUT, f'{name}.{ext}.expected.npy'), np.ascontiguousarray(pixels))
    cases.append({'file': f'{name}.{ext}', 'expected': f'{name}.{ext}.expected.npy', 'tolerance': tolerance, 'note': note})


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = smooth_rgb()
    grey = rgb[..., 1].copy()
    alpha = (np.arange(W * H).reshape(H, W) * 255 // (W * H - 1)).astype(np.uint8)
    alpha[0, :3] = 0  # fully transparent pixels holding a colour Pillow would show
    rgba = np.dstack([rgb, alpha])

    case('rgb', 'png', lambda p: Image.fromarray(rgb).save(p))
    case('grey', 'png', lambda p: Image.fromarray(grey, 'L').save(p))
    case('rgba', 'png', lambda p: Image.fromarray(rgba, 'RGBA').save(p), lambda p: on_white(rgba),
         note='alpha composited on white (Pillow drops it)')
    la = np.dstack([grey, alpha])
    case('grey-alpha', 'png', lambda p: Image.fromarray(la, 'LA').save(p),
         lambda p: on_white(np.dstack([grey, grey, grey, alpha])), note='alpha composited on white')
    pal = Image.fromarray(rgb).quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    case('palette', 'png', lambda p: pal.save(p))
    case('palette', 'gif', lambda p: pal.save(p))

    def palette_transparent(p):
        im = pal.copy()
        im.info['transparency'] = 0
        im.save(p, transparency=0)

    def palette_transparent_expected(p):
        with Image.open(p) as im:
            return on_white(np.asarray(im.convert('RGBA')))

    case('palette-transparent', 'png', palette_transparent, palette_transparent_expected,
         note='palette entry 0 transparent: composited on white')

    rgb16 = rng.randint(0, 65536, (H, W, 3)).astype('>u2')
    case('rgb16', 'png', lambda p: open(p, 'wb').write(png_bytes(W, H, 16, 2, [rgb16[y].tobytes() for y in range(H)])),
         note='16-bit RGB: high byte, as Pillow')
    grey16 = rng.randint(0, 65536, (H, W)).astype('>u2')
    case('grey16', 'png', lambda p: open(p, 'wb').write(png_bytes(W, H, 16, 0, [grey16[y].tobytes() for y in range(H)])),
         lambda p: np.repeat((grey16.astype(np.uint16) >> 8).astype(np.uint8)[..., None], 3, -1),
         note='16-bit grey: high byte (Pillow 9 clips at 255)')

    case('rgb', 'jpg', lambda p: Image.fromarray(rgb).save(p, quality=95), tolerance=1,
         note='JPEG decoders may differ by 1')
    case('grey', 'jpg', lambda p: Image.fromarray(grey, 'L').save(p, quality=95), tolerance=1)
    cmyk = Image.fromarray(rgb).convert('CMYK')
    case('cmyk', 'jpg', lambda p: cmyk.save(p, quality=95), tolerance=1,
         note="CMYK JPEG: Pillow's naive CMYK to RGB, no colour profile")

    def exif_rotated(p):
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90 CW to display
        Image.fromarray(rgb).save(p, quality=95, exif=exif)

    case('exif-rotated', 'jpg', exif_rotated, tolerance=1, note='EXIF orientation 6, not applied (as Pillow)')
    case('rgb', 'webp', lambda p: Image.fromarray(rgb).save(p, lossless=True))
    case('rgba', 'webp', lambda p: Image.fromarray(rgba, 'RGBA').save(p, lossless=True, exact=True),
         lambda p: on_white(rgba), note='alpha composited on white')
    case('rgb', 'bmp', lambda p: Image.fromarray(rgb).save(p))
    case('rgb', 'tiff', lambda p: Image.fromarray(rgb).save(p))

    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump({'generator': 'tools/image/make_fixtures.py', 'width': W, 'height': H, 'cases': cases}, f, indent=2)
        f.write('\n')
    print(f'{len(cases)} cases in {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
