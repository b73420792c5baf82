/**
 * A safe unpickler for the Python pickle subset that `torch.save` and NumPy produce (protocols 2–5,
 * plus the common protocol 0/1 opcodes). It never calls anything by name: a global is an inert
 * {@link PickleGlobal}; calling one (REDUCE, NEWOBJ) makes an inert {@link PickleObject} record of
 * its name and arguments, unless the caller's fixed `reconstructors` table interprets that name.
 * Memory is bounded by the pickle's size (stack, memo and mark stack are capped), and the machine is
 * iterative, so deep nesting cannot overflow the JavaScript stack.
 */

/** A Python global (`module.name`) referenced by a pickle. Inert: nothing is looked up or called. */
export class PickleGlobal {
  constructor(
    /** Python module, e.g. `torch._utils`. */
    readonly module: string,
    /** Qualified name inside the module, e.g. `_rebuild_tensor_v2`. */
    readonly name: string,
  ) {}

  /** `module.name`. */
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An inert record of a Python object that a pickle constructs: the global that would have been
 * called, the arguments, and what BUILD / SETITEM / APPEND would have applied to it.
 */
export class PickleObject {
  /** State set by BUILD (an `argparse.Namespace`'s attributes: a `Map` of name to value). */
  state: unknown = undefined;
  /** Items appended (APPEND/APPENDS) to a list-like object. */
  readonly items: unknown[] = [];
  /** Entries set (SETITEM/SETITEMS) on a dict-like object. */
  readonly entries = new Map<unknown, unknown>();

  constructor(
    /** Python module of the callable, e.g. `argparse`. */
    readonly module: string,
    /** Name of the callable, e.g. `Namespace`. */
    readonly name: string,
    /** Positional arguments of the call. */
    readonly args: unknown[],
    /** Keyword arguments (NEWOBJ_EX), if any. */
    readonly kwargs?: Map<unknown, unknown>,
  ) {}

  /** `module.name`. */
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Interprets calls of a few known globals; returns `undefined` to leave the call as a record. */
export type Reconstructor = (args: unknown[]) => unknown;

/** How to unpickle. */
export interface UnpickleOptions {
  /** Interpreted callables by `module.name` (a fixed table chosen by the caller). */
  reconstructors?: ReadonlyMap<string, Reconstructor>;
  /** Resolves a persistent id (BINPERSID / PERSID). Without it, a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Makes the error to throw (e.g. a `CheckpointError`). */
  fail?: (message: string) => Error;
  /** Makes the error for input that ends too early (default: `fail`'s), so a caller can read more and retry. */
  truncated?: (message: string) => Error;
  /** Most values on the stack at once. Default 1,000,000. */
  maxStack?: number;
  /** Most memo entries. Default 1,000,000. */
  maxMemo?: number;
  /** Most open MARKs (nesting of tuples/lists/dicts being built). Default 10,000. */
  maxMarks?: number;
}

/** Result of {@link unpickle}: the value and the offset just past STOP (another pickle may follow). */
export interface UnpickleResult {
  value: unknown;
  end: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function signedLittleEndian(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A pickled value's kind in Python's terms (`None`, `dict`, `global torch.X`), for pickle messages. */
function pickleKind(value: unknown): string {
  if (value === null) return 'None';
  if (value instanceof PickleGlobal) return `global ${value.fullName}`;
  if (value instanceof PickleObject) return `object ${value.fullName}`;
  if (value instanceof Map) return 'dict';
  if (Array.isArray(value)) return 'list/tuple';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

/**
 * Unpickles one pickle starting at `start` of `bytes`.
 *
 * @throws the error made by `options.fail` on malformed input, an unknown opcode, or a limit.
 */
export function unpickle(bytes: Uint8Array, start = 0, options: UnpickleOptions = {}): UnpickleResult {
  const fail = options.fail ?? ((m: string) => new Error(m));
  const maxStack = options.maxStack ?? 1_000_000;
  const maxMemo = options.maxMemo ?? 1_000_000;
  const maxMarks = options.maxMarks ?? 10_000;
  const reconstructors = options.reconstructors ?? new Map<string, Reconstructor>();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  // Memo indices are small and sequential in practice (torch and NumPy write 0, 1, 2, ...): an array
  // is much faster than a Map, and indices are capped by maxMemo.
  const memo: unknown[] = [];
  const stored: boolean[] = [];
  let memoCount = 0;
  let pos = start;
  let opPos = start;

  const error = (message: string): Error => fail(`pickle: ${message} (opcode at byte ${opPos})`);
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) {
      const message = `pickle: expected ${n} more bytes, got ${bytes.length - pos} (truncated pickle?) (opcode at byte ${opPos})`;
      throw options.truncated ? options.truncated(message) : fail(message);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const take = (n: number): Uint8Array => {
    const at = need(n);
    return bytes.subarray(at, at + n);
  };
  const u32 = () => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(bytes.length)) {
      const message = `pickle: declared length ${v} exceeds the pickle's ${bytes.length} bytes (opcode at byte ${opPos})`;
      throw options.truncated ? options.truncated(message) : fail(message);
    }
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) {
      const message = `pickle: expected a newline-terminated argument (truncated pickle?) (opcode at byte ${opPos})`;
      throw options.truncated ? options.truncated(message) : fail(message);
    }
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const push = (v: unknown) => {
    if (stack.length >= maxStack) throw error(`stack exceeds ${maxStack} values`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw error('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw error('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) throw error('expected a MARK before this opcode, found none');
    stack = previous;
    return items;
  };
  const memoPut = (index: number) => {
    if (index >= maxMemo) throw error(`memo index ${index} exceeds the limit of ${maxMemo} entries`);
    if (!stored[index]) {
      stored[index] = true;
      memoCount++;
    }
    memo[index] = top();
  };
  const memoGet = (index: number) => {
    if (index >= maxMemo || !stored[index]) throw error(`memo key ${index} was never stored`);
    push(memo[index]);
  };
  const decodeUtf8 = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      throw error('invalid UTF-8 in a string');
    }
  };
  const call = (callable: unknown, args: unknown, kwargs?: Map<unknown, unknown>): unknown => {
    if (!(callable instanceof PickleGlobal))
      throw error(`expected a global to call, got ${pickleKind(callable)}`);
    if (!Array.isArray(args)) throw error(`expected a tuple of arguments, got ${pickleKind(args)}`);
    const interpret = kwargs === undefined ? reconstructors.get(callable.fullName) : undefined;
    const value = interpret?.(args);
    return value !== undefined ? value : new PickleObject(callable.module, callable.name, args, kwargs);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (items.length % 2) throw error('expected key/value pairs, got an odd number of items');
    const map = target instanceof Map ? target : target instanceof PickleObject ? target.entries : undefined;
    if (!map) throw error(`expected a dict to set items on, got ${pickleKind(target)}`);
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    const list = Array.isArray(target) ? target : target instanceof PickleObject ? target.items : undefined;
    if (!list) throw error(`expected a list to append to, got ${pickleKind(target)}`);
    for (const item of items) list.push(item);
  };

  for (;;) {
    opPos = pos;
    const op = bytes[need(1)];
    switch (op) {
      case 0x80: // PROTO
        if (bytes[need(1)] > 5) throw error(`expected pickle protocol <= 5, got ${bytes[pos - 1]}`);
        break;
      case 0x95: // FRAME: framing is only a hint for buffered readers
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) {
          throw error(
            `expected exactly one value at STOP, got ${stack.length} and ${marks.length} open MARKs`,
          );
        }
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        if (marks.length >= maxMarks) throw error(`more than ${maxMarks} nested MARKs`);
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0 && marks.length) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(dv.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        push(dv.getUint16(need(2), true));
        break;
      case 0x8a: // LONG1
        push(signedLittleEndian(take(bytes[need(1)])));
        break;
      case 0x8b: {
        // LONG4
        const n = dv.getInt32(need(4), true);
        if (n < 0) throw error(`negative LONG4 length ${n}`);
        push(signedLittleEndian(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big endian)
        push(dv.getFloat64(need(8), false));
        break;
      case 0x49: {
        // INT (text)
        const text = line();
        if (text === '01') push(true);
        else if (text === '00') push(false);
        else if (/^[-+]?\d+$/.test(text)) push(signedOrBig(BigInt(text)));
        else throw error(`expected an integer, got ${JSON.stringify(text.slice(0, 20))}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const text = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(text))
          throw error(`expected an integer, got ${JSON.stringify(text.slice(0, 20))}`);
        push(signedOrBig(BigInt(text)));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const text = line();
        const v = Number(text);
        if (Number.isNaN(v) && !/^[-+]?nan$/i.test(text))
          throw error(`expected a float, got ${JSON.stringify(text)}`);
        push(v);
        break;
      }
      case 0x58: // BINUNICODE
        push(decodeUtf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(decodeUtf8(take(bytes[need(1)])));
        break;
      case 0x8d: // BINUNICODE8
        push(decodeUtf8(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str: decoded as latin-1)
        const n = dv.getInt32(need(4), true);
        if (n < 0) throw error(`negative BINSTRING length ${n}`);
        push(latin1.decode(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(bytes[need(1)])));
        break;
      case 0x53: {
        // STRING (quoted text)
        const text = line();
        const m = /^(['"])(.*)\1$/s.exec(text);
        if (!m) throw error(`expected a quoted string, got ${JSON.stringify(text.slice(0, 20))}`);
        push(m[2]);
        break;
      }
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(bytes[need(1)]).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: {
        // DICT
        const map = new Map();
        setItems(map, popMark());
        push(map);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw error(`expected a set to add to, got ${pickleKind(set)}`);
        for (const item of items) set.add(item);
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memoPut(bytes[need(1)]);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memoCount);
        break;
      case 0x70: {
        // PUT (text)
        const text = line();
        if (!/^\d+$/.test(text))
          throw error(`expected a memo index, got ${JSON.stringify(text.slice(0, 20))}`);
        memoPut(Number(text));
        break;
      }
      case 0x68: // BINGET
        memoGet(bytes[need(1)]);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32());
        break;
      case 0x67: {
        // GET (text)
        const text = line();
        if (!/^\d+$/.test(text))
          throw error(`expected a memo index, got ${JSON.stringify(text.slice(0, 20))}`);
        memoGet(Number(text));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        push(new PickleGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw error(`expected module and name strings, got ${pickleKind(module)} and ${pickleKind(name)}`);
        }
        push(new PickleGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        push(call(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map))
          throw error(`expected a dict of keyword arguments, got ${pickleKind(kwargs)}`);
        push(call(cls, args, kwargs.size ? kwargs : undefined));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PickleObject) target.state = state;
        else if (
          !(target instanceof Map) &&
          !(typeof target === 'object' && target !== null && !Array.isArray(target))
        ) {
          throw error(`expected an object to BUILD, got ${pickleKind(target)}`);
        }
        // A dict's instance state (an OrderedDict's `_metadata`) and a tensor's Python attributes are
        // not needed to read values: they are dropped.
        break;
      }
      case 0x51: // BINPERSID
      case 0x50: {
        // PERSID
        const pid = op === 0x51 ? pop() : line();
        if (!options.persistentLoad) throw error('a persistent id, but no persistent storage to resolve it');
        push(options.persistentLoad(pid));
        break;
      }
      default:
        throw error(
          `unsupported opcode 0x${op.toString(16).padStart(2, '0')} (only the opcodes torch.save and NumPy write are read)`,
        );
    }
  }
}

function signedOrBig(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
