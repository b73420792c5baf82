import { crc32, inflateRaw } from '#platform';
import { type ByteSource, readAt } from './byte-source.js';

/** One member of a zip archive, from the central directory. */
export interface ZipEntry {
  /** Member name (path inside the archive). */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  /** General purpose flags. */
  flags: number;
  /** CRC-32 of the uncompressed bytes. */
  crc32: number;
  /** Bytes as stored in the archive. */
  compressedSize: number;
  /** Bytes once inflated. */
  size: number;
  /** Offset of the local file header. */
  localHeaderOffset: number;
  /** Bytes of the name as stored. */
  nameLength: number;
}

type Fail = (message: string) => Error;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Deflate cannot expand data by more than this ratio (RFC 1951: 258 bytes per 2-bit code, rounded up). */
const MAX_DEFLATE_RATIO = 1032;

function u64(dv: DataView, at: number, fail: Fail, what: string): number {
  const value = dv.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`zip: ${what} is absurd (${value})`);
  return Number(value);
}

/**
 * A zip archive read through a {@link ByteSource}: the central directory is read at open; members
 * are read by offset, one at a time, never the whole archive. Zip64 is supported; every declared
 * size and offset is checked against the archive's real size before anything is allocated.
 */
export class ZipReader {
  /** Members by name, in central-directory order. */
  readonly entries: Map<string, ZipEntry>;
  private readonly dataOffsets = new Map<ZipEntry, number>();

  private constructor(
    readonly source: ByteSource,
    entries: Map<string, ZipEntry>,
    private readonly fail: Fail,
  ) {
    this.entries = entries;
  }

  /** Reads the central directory of the archive in `source`; errors are made by `fail`. */
  static async open(source: ByteSource, fail: Fail): Promise<ZipReader> {
    const size = source.size;
    if (size < 22) throw fail(`zip: expected at least 22 bytes (an end of central directory), got ${size}`);
    const tailLength = Math.min(size, 22 + 65535);
    const tail = await readAt(source, size - tailLength, tailLength);
    const tv = new DataView(tail.buffer);
    let at = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD && i + 22 + tv.getUint16(i + 20, true) <= tailLength) {
        at = i;
        break;
      }
    }
    if (at < 0) throw fail('zip: expected an end of central directory record, found none (truncated file?)');
    const eocdPos = size - tailLength + at;
    const diskEntries = tv.getUint16(at + 8, true);
    let count = tv.getUint16(at + 10, true);
    let cdSize = tv.getUint32(at + 12, true);
    let cdOffset = tv.getUint32(at + 16, true);
    if (diskEntries !== count) {
      throw fail(
        `zip: expected a single-disk archive (${count} entries in all), got ${diskEntries} on this disk`,
      );
    }
    let cdEnd = eocdPos;
    const locatorBytes =
      at >= 20 ? tail.slice(at - 20, at) : eocdPos >= 20 ? await readAt(source, eocdPos - 20, 20) : undefined;
    if (locatorBytes && new DataView(locatorBytes.buffer).getUint32(0, true) === ZIP64_LOCATOR) {
      const locator = new DataView(locatorBytes.buffer);
      const z64Pos = u64(locator, 8, fail, 'zip64 end of central directory offset');
      if (z64Pos + 56 > eocdPos - 20)
        throw fail(`zip: zip64 end of central directory at ${z64Pos} is out of range`);
      const z = new DataView((await readAt(source, z64Pos, 56)).buffer);
      if (z.getUint32(0, true) !== ZIP64_EOCD)
        throw fail(`zip: expected a zip64 end of central directory at ${z64Pos}`);
      const count64 = u64(z, 32, fail, 'entry count');
      const size64 = u64(z, 40, fail, 'central directory size');
      const offset64 = u64(z, 48, fail, 'central directory offset');
      if (u64(z, 24, fail, 'entries on this disk') !== count64) {
        throw fail(`zip: expected a single-disk archive (${count64} entries in all)`);
      }
      // The 32-bit fields must be saturated or agree with the zip64 record.
      const agree = (v32: number, max: number, v64: number, what: string) => {
        if (v32 !== max && v32 !== v64)
          throw fail(`zip: ${what}: the end record says ${v32}, the zip64 record ${v64}`);
      };
      agree(count, 0xffff, count64, 'entry count');
      agree(cdSize, 0xffffffff, size64, 'central directory size');
      agree(cdOffset, 0xffffffff, offset64, 'central directory offset');
      count = count64;
      cdSize = size64;
      cdOffset = offset64;
      cdEnd = z64Pos;
    }
    if (cdOffset + cdSize > cdEnd) {
      throw fail(
        `zip: central directory (${cdSize} bytes at ${cdOffset}) extends past its end record at ${cdEnd} (truncated or corrupt file?)`,
      );
    }
    if (count * 46 > cdSize)
      throw fail(`zip: ${count} entries cannot fit in a ${cdSize}-byte central directory`);
    const cd = await readAt(source, cdOffset, cdSize);
    const dv = new DataView(cd.buffer);
    const entries = new Map<string, ZipEntry>();
    const utf8 = new TextDecoder('utf-8');
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cdSize || dv.getUint32(p, true) !== CENTRAL) {
        throw fail(`zip: expected central directory entry ${k} at offset ${cdOffset + p}`);
      }
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc = dv.getUint32(p + 16, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let usize = dv.getUint32(p + 24, true);
      const nameLength = dv.getUint16(p + 28, true);
      const extraLength = dv.getUint16(p + 30, true);
      const commentLength = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      const end = p + 46 + nameLength + extraLength + commentLength;
      if (end > cdSize) throw fail(`zip: central directory entry ${k} runs past the directory`);
      const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLength));
      // Zip64 extended information: the 8-byte fields that are saturated in the fixed header, in order.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (e + 4 + len > extraEnd) throw fail(`zip: extra field of '${name}' runs past its entry`);
        if (id === 0x0001) {
          let q = e + 4;
          const next = (what: string) => {
            if (q + 8 > e + 4 + len) throw fail(`zip: zip64 extra field of '${name}' lacks the ${what}`);
            const v = u64(dv, q, fail, `${what} of '${name}'`);
            q += 8;
            return v;
          };
          if (usize === 0xffffffff) usize = next('size');
          if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('local header offset');
        }
        e += 4 + len;
      }
      if (localHeaderOffset + 30 + compressedSize > cdOffset) {
        throw fail(
          `zip: member '${name}' (${compressedSize} bytes at ${localHeaderOffset}) extends past the member area (${cdOffset} bytes)`,
        );
      }
      // Sizes are checked for every member at open, read or not: an inconsistent directory is corrupt.
      if (method === 0 && usize !== compressedSize) {
        throw fail(`zip: stored member '${name}' declares ${usize} bytes but stores ${compressedSize}`);
      }
      if (method === 8 && usize > compressedSize * MAX_DEFLATE_RATIO + 64) {
        throw fail(
          `zip: member '${name}' declares ${usize} bytes, more than ${compressedSize} deflated bytes can hold`,
        );
      }
      entries.set(name, {
        name,
        method,
        flags,
        crc32: crc,
        compressedSize,
        size: usize,
        localHeaderOffset,
        nameLength,
      });
      p = end;
    }
    return new ZipReader(source, entries, fail);
  }

  /** Offset of a member's first data byte (reads its local header once). */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const cached = this.dataOffsets.get(entry);
    if (cached !== undefined) return cached;
    const h = new DataView((await readAt(this.source, entry.localHeaderOffset, 30)).buffer);
    if (h.getUint32(0, true) !== LOCAL) {
      throw this.fail(`zip: expected the local header of '${entry.name}' at ${entry.localHeaderOffset}`);
    }
    const start = entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
    if (start + entry.compressedSize > this.source.size) {
      throw this.fail(`zip: member '${entry.name}' runs past the end of the file (truncated file?)`);
    }
    this.dataOffsets.set(entry, start);
    return start;
  }

  private check(entry: ZipEntry): void {
    if (entry.flags & 1) throw this.fail(`zip: member '${entry.name}' is encrypted, which is not supported`);
    if (entry.method !== 0 && entry.method !== 8) {
      throw this.fail(
        `zip: member '${entry.name}': expected method 0 (stored) or 8 (deflated), got ${entry.method}`,
      );
    }
    if (entry.method === 0 && entry.size !== entry.compressedSize) {
      throw this.fail(
        `zip: stored member '${entry.name}' declares ${entry.size} bytes but stores ${entry.compressedSize}`,
      );
    }
    if (entry.method === 8 && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
      throw this.fail(
        `zip: member '${entry.name}' declares ${entry.size} bytes, more than ${entry.compressedSize} deflated bytes can hold`,
      );
    }
  }

  /** Verifies `bytes` against the member's CRC-32. */
  verify(entry: ZipEntry, bytes: Uint8Array): void {
    const actual = crc32(bytes);
    if (actual !== entry.crc32 >>> 0) {
      throw this.fail(
        `zip: member '${entry.name}' fails its CRC-32 check: expected ${entry.crc32.toString(16)}, got ${actual.toString(16)} (corrupt file?)`,
      );
    }
  }

  /** Reads a whole member, inflating it if needed, and verifies its CRC-32. */
  async read(entry: ZipEntry): Promise<Uint8Array> {
    this.check(entry);
    const start = await this.dataOffset(entry);
    const stored = await readAt(this.source, start, entry.compressedSize);
    let bytes = stored;
    if (entry.method === 8) {
      try {
        bytes = inflateRaw(stored, entry.size);
      } catch (error) {
        throw this.fail(`zip: member '${entry.name}' does not inflate: ${(error as Error).message}`);
      }
    }
    if (bytes.length !== entry.size) {
      throw this.fail(`zip: member '${entry.name}': expected ${entry.size} bytes, got ${bytes.length}`);
    }
    this.verify(entry, bytes);
    return bytes;
  }

  /**
   * Reads `target.length` bytes starting `start` bytes into a stored member (no copy beyond the
   * target). Deflated members are inflated whole (and always verified) and sliced. With `verify`,
   * the CRC-32 of a stored member is checked when the range is the whole member.
   */
  async readRange(entry: ZipEntry, start: number, target: Uint8Array, verify = true): Promise<void> {
    this.check(entry);
    if (start < 0 || start + target.length > entry.size) {
      throw this.fail(
        `zip: expected a range inside the ${entry.size} bytes of '${entry.name}', got ${target.length} bytes at ${start}`,
      );
    }
    if (entry.method === 8) {
      target.set((await this.read(entry)).subarray(start, start + target.length));
      return;
    }
    let offset = this.dataOffsets.get(entry);
    if (offset === undefined) {
      // The data offset depends on the local header, which costs a read of its own. Read the data at
      // the offset torch's writer uses (the local header padded so the data is 64-byte aligned) at
      // the same time; if the header says otherwise, read again.
      const guess = Math.ceil((entry.localHeaderOffset + 30 + entry.nameLength + 4) / 64) * 64;
      const speculative =
        guess + start + target.length <= this.source.size
          ? this.source.readInto(target, guess + start).then(
              () => true,
              () => false,
            )
          : Promise.resolve(false);
      const [actual, ok] = await Promise.all([this.dataOffset(entry), speculative]);
      offset = actual;
      if (!ok || actual !== guess) await this.source.readInto(target, offset + start);
    } else {
      await this.source.readInto(target, offset + start);
    }
    if (verify && start === 0 && target.length === entry.size) this.verify(entry, target);
  }
}

/** A member to write with {@link ZipBuilder}. */
export interface ZipMemberHeader {
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Pad the local header so the data starts at a multiple of this (stored members; torch uses 64). */
  align?: number;
}

const MAX32 = 0xffffffff;

/**
 * Builds a zip archive piece by piece: the caller writes each {@link localHeader}'s bytes followed by
 * the member's data, then the {@link end} bytes. Zip64 records are written when sizes or offsets need them.
 */
export class ZipBuilder {
  private offset = 0;
  private readonly members: (ZipMemberHeader & { offset: number; nameBytes: Uint8Array })[] = [];

  /** The local header of a member whose data follows immediately. */
  localHeader(member: ZipMemberHeader): Uint8Array {
    const nameBytes = new TextEncoder().encode(member.name);
    const big = member.size >= MAX32 || member.compressedSize >= MAX32;
    const z64 = big ? 20 : 0;
    let pad = 0;
    if (member.align && member.align > 1) {
      const base = this.offset + 30 + nameBytes.length + z64 + 4;
      pad = 4 + ((member.align - (base % member.align)) % member.align);
    }
    const out = new Uint8Array(30 + nameBytes.length + z64 + pad);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, LOCAL, true);
    dv.setUint16(4, big ? 45 : 20, true);
    dv.setUint16(6, 0x0800, true); // names are UTF-8
    dv.setUint16(8, member.method, true);
    dv.setUint16(12, 0x21, true); // 1980-01-01: deterministic output
    dv.setUint32(14, member.crc32 >>> 0, true);
    dv.setUint32(18, big ? MAX32 : member.compressedSize, true);
    dv.setUint32(22, big ? MAX32 : member.size, true);
    dv.setUint16(26, nameBytes.length, true);
    dv.setUint16(28, z64 + pad, true);
    out.set(nameBytes, 30);
    let e = 30 + nameBytes.length;
    if (big) {
      dv.setUint16(e, 0x0001, true);
      dv.setUint16(e + 2, 16, true);
      dv.setBigUint64(e + 4, BigInt(member.size), true);
      dv.setBigUint64(e + 12, BigInt(member.compressedSize), true);
      e += 20;
    }
    if (pad) {
      dv.setUint16(e, 0x4246, true); // "FB": padding, as torch's writer uses
      dv.setUint16(e + 2, pad - 4, true);
    }
    this.members.push({ ...member, offset: this.offset, nameBytes });
    this.offset += out.length + member.compressedSize;
    return out;
  }

  /** The central directory and end records. */
  end(): Uint8Array {
    const parts: Uint8Array[] = [];
    const cdStart = this.offset;
    for (const m of this.members) {
      const fields: number[] = [];
      if (m.size >= MAX32) fields.push(m.size);
      if (m.compressedSize >= MAX32) fields.push(m.compressedSize);
      if (m.offset >= MAX32) fields.push(m.offset);
      const z64 = fields.length ? 4 + 8 * fields.length : 0;
      const out = new Uint8Array(46 + m.nameBytes.length + z64);
      const dv = new DataView(out.buffer);
      dv.setUint32(0, CENTRAL, true);
      dv.setUint16(4, z64 ? 45 : 20, true);
      dv.setUint16(6, z64 ? 45 : 20, true);
      dv.setUint16(8, 0x0800, true);
      dv.setUint16(10, m.method, true);
      dv.setUint16(14, 0x21, true);
      dv.setUint32(16, m.crc32 >>> 0, true);
      dv.setUint32(20, Math.min(m.compressedSize, MAX32), true);
      dv.setUint32(24, Math.min(m.size, MAX32), true);
      dv.setUint16(28, m.nameBytes.length, true);
      dv.setUint16(30, z64, true);
      dv.setUint32(42, Math.min(m.offset, MAX32), true);
      out.set(m.nameBytes, 46);
      if (z64) {
        let e = 46 + m.nameBytes.length;
        dv.setUint16(e, 0x0001, true);
        dv.setUint16(e + 2, 8 * fields.length, true);
        e += 4;
        for (const f of fields) {
          dv.setBigUint64(e, BigInt(f), true);
          e += 8;
        }
      }
      parts.push(out);
      this.offset += out.length;
    }
    const cdSize = this.offset - cdStart;
    const count = this.members.length;
    const needs64 = count >= 0xffff || cdSize >= MAX32 || cdStart >= MAX32;
    if (needs64) {
      const z = new Uint8Array(56 + 20);
      const dv = new DataView(z.buffer);
      dv.setUint32(0, ZIP64_EOCD, true);
      dv.setBigUint64(4, 44n, true);
      dv.setUint16(12, 45, true);
      dv.setUint16(14, 45, true);
      dv.setBigUint64(24, BigInt(count), true);
      dv.setBigUint64(32, BigInt(count), true);
      dv.setBigUint64(40, BigInt(cdSize), true);
      dv.setBigUint64(48, BigInt(cdStart), true);
      dv.setUint32(56, ZIP64_LOCATOR, true);
      dv.setBigUint64(64, BigInt(this.offset), true);
      dv.setUint32(72, 1, true);
      parts.push(z);
    }
    const eocd = new Uint8Array(22);
    const dv = new DataView(eocd.buffer);
    dv.setUint32(0, EOCD, true);
    dv.setUint16(8, Math.min(count, 0xffff), true);
    dv.setUint16(10, Math.min(count, 0xffff), true);
    dv.setUint32(12, Math.min(cdSize, MAX32), true);
    dv.setUint32(16, Math.min(cdStart, MAX32), true);
    parts.push(eocd);
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
