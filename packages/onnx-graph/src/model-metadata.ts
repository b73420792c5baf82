// Reads a ModelProto's metadata_props (field 14) without parsing the rest: every other top-level
// field is skipped by its length, so this is fast even for large models.

const TEXT = new TextDecoder();

/** Thrown when bytes are not a well-formed ModelProto. */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let factor = 1;
  for (let i = 0; i < 10; i++) {
    if (at.pos >= bytes.length)
      throw new OnnxFormatError('model bytes: expected a varint, got the end of the data');
    const b = bytes[at.pos++];
    result += (b & 0x7f) * factor;
    if ((b & 0x80) === 0) return result;
    factor *= 128;
  }
  throw new OnnxFormatError('model bytes: expected a varint of at most 10 bytes, got a longer one');
}

function skip(bytes: Uint8Array, at: { pos: number }, wire: number): void {
  if (wire === 0) readVarint(bytes, at);
  else if (wire === 1) at.pos += 8;
  else if (wire === 2) {
    const n = readVarint(bytes, at); // read before adding: `at.pos += readVarint()` would use the old position
    at.pos += n;
  } else if (wire === 5) at.pos += 4;
  else throw new OnnxFormatError(`model bytes: expected wire type 0, 1, 2 or 5, got ${wire}`);
}

function readEntry(bytes: Uint8Array): [string, string] {
  const at = { pos: 0 };
  let key = '';
  let value = '';
  while (at.pos < bytes.length) {
    const tag = readVarint(bytes, at);
    if ((tag & 7) === 2 && (tag >>> 3 === 1 || tag >>> 3 === 2)) {
      const n = readVarint(bytes, at);
      const s = TEXT.decode(bytes.subarray(at.pos, at.pos + n));
      at.pos += n;
      if (tag >>> 3 === 1) key = s;
      else value = s;
    } else skip(bytes, at, tag & 7);
  }
  return [key, value];
}

/** The `metadata_props` of a ModelProto (see {@link Graph.metadata}), in file order. */
export function readModelMetadata(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const tag = readVarint(bytes, at);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 14 && wire === 2) {
      const n = readVarint(bytes, at);
      if (at.pos + n > bytes.length) {
        throw new OnnxFormatError('model bytes: expected a complete ModelProto, got truncated data');
      }
      const [key, value] = readEntry(bytes.subarray(at.pos, at.pos + n));
      out.set(key, value);
      at.pos += n;
    } else skip(bytes, at, wire);
    if (at.pos > bytes.length)
      throw new OnnxFormatError('model bytes: expected a complete ModelProto, got truncated data');
  }
  return out;
}
