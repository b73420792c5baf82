/** A minimal pickle (protocol 2) writer: just enough to write a torch.save state dict. */
export class PickleWriter {
  private chunks: number[] = [];
  private readonly encoder = new TextEncoder();

  constructor() {
    this.chunks.push(0x80, 2); // PROTO 2
  }

  /** Pushes an opcode byte (and its raw argument bytes). */
  op(code: number, ...args: number[]): this {
    this.chunks.push(code, ...args);
    return this;
  }

  /** MARK. */
  mark(): this {
    return this.op(0x28);
  }

  /** A str, as BINUNICODE. */
  string(text: string): this {
    const bytes = this.encoder.encode(text);
    this.op(0x58, ...le32(bytes.length));
    for (const b of bytes) this.chunks.push(b);
    return this;
  }

  /** An int: BININT for int32, LONG1 otherwise. */
  int(value: number | bigint): this {
    const v = BigInt(value);
    if (v >= -(2n ** 31n) && v < 2n ** 31n) return this.op(0x4a, ...le32(Number(v)));
    const bytes: number[] = [];
    let x = v;
    for (;;) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
      const sign = bytes[bytes.length - 1] & 0x80;
      if ((x === 0n && !sign) || (x === -1n && sign)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }

  /** A tuple of ints. */
  intTuple(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.op(0x74);
  }

  /** A global reference (GLOBAL "module\nname\n"). */
  global(module: string, name: string): this {
    this.chunks.push(0x63);
    for (const b of this.encoder.encode(`${module}\n${name}\n`)) this.chunks.push(b);
    return this;
  }

  /** A Python float, as BINFLOAT (8 bytes, big endian). */
  float(value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, false);
    return this.op(0x47, ...bytes);
  }

  /** `True` / `False` (NEWTRUE / NEWFALSE). */
  bool(value: boolean): this {
    return this.op(value ? 0x88 : 0x89);
  }

  /** `None`. */
  none(): this {
    return this.op(0x4e);
  }

  /** STOP and the bytes. */
  finish(): Uint8Array {
    this.chunks.push(0x2e);
    return Uint8Array.from(this.chunks);
  }
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
