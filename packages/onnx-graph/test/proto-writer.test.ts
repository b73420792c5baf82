import { describe, expect, it } from 'vitest';
import { concatPieces, ProtoWriter } from '../src/proto-writer.js';

const bytes = (w: ProtoWriter) => Array.from(concatPieces(w.finish(), w.length));

describe('ProtoWriter', () => {
  it('writes varints as protobuf does', () => {
    expect(bytes(new ProtoWriter().varint(1, 0))).toEqual([0x08, 0x00]);
    expect(bytes(new ProtoWriter().varint(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().varint(2, 2 ** 40))).toEqual([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  });

  it('writes negative int64 in ten bytes (two’s complement)', () => {
    expect(bytes(new ProtoWriter().varint(3, -1))).toEqual([0x18, ...Array(9).fill(0xff), 0x01]);
    expect(bytes(new ProtoWriter().varint(3, -2n))).toEqual([0x18, 0xfe, ...Array(8).fill(0xff), 0x01]);
  });

  it('writes floats as little-endian fixed32', () => {
    expect(bytes(new ProtoWriter().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
  });

  it('writes strings and nested messages with their lengths', () => {
    const inner = new ProtoWriter().string(1, 'ab');
    expect(bytes(new ProtoWriter().message(5, inner))).toEqual([0x2a, 0x04, 0x0a, 0x02, 0x61, 0x62]);
  });

  it('references large byte fields without copying', () => {
    const data = new Uint8Array(1000).fill(7);
    const w = new ProtoWriter().bytes(9, data);
    const pieces = w.finish();
    expect(pieces).toContain(data);
    expect(w.length).toBe(1 + 2 + 1000);
  });
});
