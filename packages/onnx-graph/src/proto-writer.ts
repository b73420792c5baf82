// A minimal protocol-buffers encoder: just what ONNX's ModelProto needs (varints, fixed32 floats,
// length-delimited bytes and nested messages). Large byte fields are kept as views, never copied,
// until the caller concatenates or streams the pieces.

const TEXT = new TextEncoder();

/** Protobuf wire types used by ONNX. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Encodes one protobuf message as a list of byte pieces (headers are small, tensor data is a view). */
export class ProtoWriter {
  private readonly pieces: Uint8Array[] = [];
  private scratch: number[] = [];
  private flushed = 0;
  private readonly f32 = new DataView(new ArrayBuffer(4));

  /** Encoded length so far, in bytes. */
  get length(): number {
    return this.flushed + this.scratch.length;
  }

  private pushVarint(value: number): void {
    // `value` is a non-negative safe integer here.
    while (value >= 0x80) {
      this.scratch.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.scratch.push(value);
  }

  private pushVarint64(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.pushVarint(field * 8 + wire);
  }

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.pieces.push(Uint8Array.from(this.scratch));
    this.flushed += this.scratch.length;
    this.scratch = [];
  }

  /** A varint field (int32, int64 or enum); negative values take ten bytes, as protobuf specifies. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, VARINT);
    if (typeof value === 'bigint') this.pushVarint64(value);
    else if (value >= 0 && Number.isSafeInteger(value)) this.pushVarint(value);
    else this.pushVarint64(BigInt(value));
    return this;
  }

  /** A `float` field (fixed32, little endian). */
  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.f32.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.scratch.push(this.f32.getUint8(i));
    return this;
  }

  /** A `bytes` field; the data is referenced, not copied. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.pushVarint(data.byteLength);
    if (data.byteLength <= 64) {
      for (let i = 0; i < data.byteLength; i++) this.scratch.push(data[i]);
    } else {
      this.flush();
      this.pieces.push(data);
      this.flushed += data.byteLength;
    }
    return this;
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, TEXT.encode(value));
  }

  /** A nested message field. */
  message(field: number, message: ProtoWriter): this {
    this.tag(field, LENGTH_DELIMITED);
    this.pushVarint(message.length);
    this.flush();
    for (const piece of message.finish()) this.pieces.push(piece);
    this.flushed += message.length;
    return this;
  }

  /** The encoded message as pieces in order (their total length is {@link length}). */
  finish(): Uint8Array[] {
    this.flush();
    return this.pieces;
  }
}

/** Joins pieces into one array of `total` bytes. */
export function concatPieces(pieces: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.byteLength;
  }
  return out;
}
