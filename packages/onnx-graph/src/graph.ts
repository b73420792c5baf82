import { basename, writePieces, writePiecesSync } from '#platform';
import type { Attribute } from './attribute.js';
import {
  checkElementType,
  checkShape,
  type Dim,
  type ElementType,
  elementTypeOf,
  type TensorData,
} from './element-type.js';
import {
  type EncodedModel,
  encodeModel,
  type InitializerRecord,
  type ModelRecord,
  type NodeRecord,
  type ValueInfoRecord,
} from './model-proto.js';
import { concatPieces } from './proto-writer.js';

/** A handle to a value in a graph (an input, an initializer or a node output). */
export interface Value {
  readonly name: string;
}

/** Options of a {@link Graph}. */
export interface GraphOptions {
  /** The graph's name, written into the model. Default `'main'`. */
  name?: string;
  /** The default-domain (`ai.onnx`) opset version. Default 21. */
  opset?: number;
  /** The `com.microsoft` opset version (onnxruntime contrib ops). Default 1. */
  msOpset?: number;
  /** The model's `producer_name`. Default `'@tokenset/onnx-graph'`. */
  producerName?: string;
}

/** Options of a node. */
export interface NodeOptions {
  /** The operator's domain: `''` (ai.onnx, default) or e.g. `'com.microsoft'`. */
  domain?: string;
  /** The node's name; a unique one is generated when absent. */
  name?: string;
}

/** Options of {@link Graph.toBytes}. */
export interface ToBytesOptions {
  /**
   * Writes tensor data into this side file (synchronously) and only references it from the model:
   * needed for models over protobuf's 2 GiB limit. The model must then be saved next to it (the
   * reference is the file's base name) and loaded from its path.
   */
  externalDataPath?: string;
  /** With external data: tensors of at least this many bytes go to the side file. Default 1024. */
  externalDataThreshold?: number;
}

/** Options of {@link Graph.save}. */
export interface SaveOptions {
  /**
   * `'auto'` (default): use a side file only when the model would exceed protobuf's 2 GiB limit;
   * `true`: always; `false`: never (a model over the limit is then a RangeError).
   */
  externalData?: boolean | 'auto';
  /** The side file's name, relative to the model file. Default `<model file name>.data`. */
  location?: string;
  /** With external data: tensors of at least this many bytes go to the side file. Default 1024. */
  externalDataThreshold?: number;
  /** Called after each write with the bytes written so far and the total (side file included). */
  onProgress?: (written: number, total: number) => void;
}

/** Protobuf cannot parse messages of 2 GiB or more. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

/** External data offsets are aligned to this (a page) so onnxruntime can memory-map each tensor. */
const EXTERNAL_ALIGNMENT = 4096;

/** The ONNX IR version that goes with a default-domain opset (onnx/docs/Versioning.md). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 8) return 4;
  if (opset <= 10) return 5;
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 21) return 10;
  return 11;
}

class GraphValue implements Value {
  constructor(
    readonly name: string,
    /** The graph the value belongs to (values of another graph are rejected). */
    readonly owner: Graph,
  ) {}
}

/**
 * Builds an ONNX graph: typed inputs and outputs, initializers and nodes, then writes a ModelProto.
 * Names are generated deterministically, so building the same graph twice gives the same bytes.
 *
 * @example
 * ```ts
 * const g = new Graph();
 * const x = g.input('x', 'float32', ['batch', 3]);
 * const y = g.op('Relu', [x]);
 * g.output(y, 'y', 'float32', ['batch', 3]);
 * const bytes = g.toBytes();
 * ```
 */
export class Graph {
  /** The default-domain opset version. */
  readonly opset: number;
  /** The `com.microsoft` opset version. */
  readonly msOpset: number;
  private readonly name: string;
  private readonly producerName: string;
  private readonly names = new Set<string>();
  private readonly inputs: ValueInfoRecord[] = [];
  private readonly outputs: ValueInfoRecord[] = [];
  private readonly initializers: InitializerRecord[] = [];
  private readonly nodes: NodeRecord[] = [];
  private readonly domains = new Set<string>();
  private readonly metadataProps = new Map<string, string>();
  private counter = 0;

  constructor(options: GraphOptions = {}) {
    this.name = options.name ?? 'main';
    this.opset = options.opset ?? 21;
    this.msOpset = options.msOpset ?? 1;
    this.producerName = options.producerName ?? '@tokenset/onnx-graph';
    if (!Number.isInteger(this.opset) || this.opset < 1) {
      throw new RangeError(`opset: expected a positive integer, got ${options.opset}`);
    }
    if (!Number.isInteger(this.msOpset) || this.msOpset < 1) {
      throw new RangeError(`msOpset: expected a positive integer, got ${options.msOpset}`);
    }
  }

  private claim(name: string, what: string): Value {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`${what} name: expected a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (this.names.has(name)) throw new RangeError(`${what} name: expected a new name, got '${name}' again`);
    this.names.add(name);
    return new GraphValue(name, this);
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  private own(value: Value | undefined, what: string): string {
    if (value === undefined) return '';
    if (!(value instanceof GraphValue) || value.owner !== this) {
      throw new TypeError(`${what}: expected a Value of this graph, got ${JSON.stringify(value)}`);
    }
    return value.name;
  }

  /** Declares a graph input of `type` and `shape` (numbers, or strings for symbolic dimensions). */
  input(name: string, type: ElementType, shape: Dim[]): Value {
    checkElementType(`input '${name}' type`, type);
    checkDims(`input '${name}' shape`, shape);
    const value = this.claim(name, 'input');
    this.inputs.push({ name, type, shape: [...shape] });
    return value;
  }

  /**
   * Declares `value` as a graph output called `name`. When the value has another name, an
   * `Identity` node gives it this one.
   */
  output(value: Value, name: string, type: ElementType, shape: Dim[]): void {
    checkElementType(`output '${name}' type`, type);
    checkDims(`output '${name}' shape`, shape);
    let source = this.own(value, `output '${name}'`);
    if (source !== name) {
      if (this.outputs.some((o) => o.name === name) || this.names.has(name)) {
        throw new RangeError(`output name: expected a new name, got '${name}' again`);
      }
      this.op('Identity', [value], {}, { name: `output_${name}` });
      const last = this.nodes[this.nodes.length - 1];
      this.names.delete(last.outputs[0]);
      last.outputs[0] = name;
      this.names.add(name);
      source = name;
    }
    this.outputs.push({ name: source, type, shape: [...shape] });
  }

  /**
   * Adds a named constant tensor. The element type is inferred from `data` (Uint16Array is float16;
   * pass `'bool'` for a Uint8Array of 0/1). The array is referenced, not copied: do not modify it
   * before the model is written.
   */
  initializer(name: string, data: TensorData, shape: number[], type?: ElementType): Value {
    const elementType = elementTypeOf(`initializer '${name}' data`, data, type);
    checkShape(`initializer '${name}' shape`, shape, data.length);
    const value = this.claim(name, 'initializer');
    this.initializers.push({ name, type: elementType, shape: [...shape], data });
    return value;
  }

  /** Adds a constant tensor with a generated name (see {@link initializer}). */
  constant(data: TensorData, shape: number[], type?: ElementType): Value {
    return this.initializer(this.fresh('const'), data, shape, type);
  }

  /** Adds a node with one output and returns it. `undefined` inputs are omitted optional inputs. */
  op(
    opType: string,
    inputs: (Value | undefined)[],
    attributes?: Record<string, Attribute>,
    options?: NodeOptions,
  ): Value {
    return this.opN(opType, inputs, 1, attributes, options)[0];
  }

  /** Adds a node with `outputs` outputs and returns them in order. */
  opN(
    opType: string,
    inputs: (Value | undefined)[],
    outputs: number,
    attributes: Record<string, Attribute> = {},
    options: NodeOptions = {},
  ): Value[] {
    if (typeof opType !== 'string' || opType === '') {
      throw new TypeError(`opType: expected a non-empty string, got ${JSON.stringify(opType)}`);
    }
    if (!Number.isInteger(outputs) || outputs < 1) {
      throw new RangeError(`outputs: expected a positive integer, got ${outputs}`);
    }
    const inputNames = inputs.map((v, i) => this.own(v, `${opType} input ${i}`));
    while (inputNames.length > 0 && inputNames[inputNames.length - 1] === '') inputNames.pop();
    const domain = options.domain ?? '';
    const nodeName = options.name ?? this.fresh(opType);
    const values: Value[] = [];
    for (let i = 0; i < outputs; i++) values.push(this.claim(this.fresh(`${nodeName}_out${i}`), 'output'));
    const attributeList = Object.entries(attributes);
    for (const [key, a] of attributeList) {
      if (a === null || typeof a !== 'object' || typeof a.kind !== 'string') {
        throw new TypeError(
          `${opType} attribute '${key}': expected an Attribute (use int(), float(), ...), got ${String(a)}`,
        );
      }
    }
    this.domains.add(domain);
    this.nodes.push({
      opType,
      domain,
      name: nodeName,
      inputs: inputNames,
      outputs: values.map((v) => v.name),
      attributes: attributeList,
    });
    return values;
  }

  /**
   * Sets a `metadata_props` entry of the model (e.g. the configuration a loader needs back);
   * {@link readModelMetadata} reads them from model bytes.
   */
  metadata(key: string, value: string): void {
    if (typeof key !== 'string' || key === '')
      throw new TypeError(`metadata key: expected a non-empty string, got ${JSON.stringify(key)}`);
    if (typeof value !== 'string')
      throw new TypeError(`metadata '${key}': expected a string, got ${typeof value}`);
    this.metadataProps.set(key, value);
  }

  /** A `metadata_props` value set with {@link metadata}, or undefined. */
  getMetadata(key: string): string | undefined {
    return this.metadataProps.get(key);
  }

  /** The model to be written: counts of nodes, initializers and their total bytes (for progress reports). */
  summary(): { nodes: number; initializers: number; initializerBytes: number } {
    let bytes = 0;
    for (const t of this.initializers) bytes += t.data.byteLength;
    return { nodes: this.nodes.length, initializers: this.initializers.length, initializerBytes: bytes };
  }

  private record(): ModelRecord {
    if (this.outputs.length === 0)
      throw new RangeError('graph outputs: expected at least one output, got none');
    const opsetImports: [string, number][] = [
      ['', this.opset],
      ['com.microsoft', this.msOpset],
    ];
    for (const d of [...this.domains].sort()) {
      if (d !== '' && d !== 'com.microsoft') opsetImports.push([d, 1]);
    }
    return {
      graphName: this.name,
      irVersion: irVersionForOpset(this.opset),
      opsetImports,
      producerName: this.producerName,
      producerVersion: '0.0.0',
      inputs: this.inputs,
      outputs: this.outputs,
      initializers: this.initializers,
      nodes: this.nodes,
      metadata: [...this.metadataProps],
    };
  }

  /** Encodes the model as pieces (no copy of tensor data); `external` moves large tensors to a side file. */
  encode(external?: { location: string; threshold?: number }): EncodedModel {
    return encodeModel(
      this.record(),
      external && {
        location: external.location,
        threshold: external.threshold ?? 1024,
        alignment: EXTERNAL_ALIGNMENT,
      },
    );
  }

  /**
   * The ModelProto bytes. Deterministic: the same graph gives the same bytes. Over 2 GiB, pass
   * `externalDataPath` (or use {@link save}).
   */
  toBytes(options: ToBytesOptions = {}): Uint8Array {
    const path = options.externalDataPath;
    const encoded = this.encode(
      path === undefined ? undefined : { location: basename(path), threshold: options.externalDataThreshold },
    );
    if (encoded.length > PROTOBUF_LIMIT) {
      throw new RangeError(
        `model size: expected under protobuf's 2 GiB limit, got ${encoded.length} bytes (pass externalDataPath, or use save())`,
      );
    }
    if (path !== undefined) {
      writePiecesSync(path, encoded.externalPieces);
    }
    return concatPieces(encoded.pieces, encoded.length);
  }

  /**
   * Writes the model to `path` without building it in memory, and its tensor data to a side file
   * when needed (see {@link SaveOptions.externalData}). Returns the paths written.
   */
  async save(path: string, options: SaveOptions = {}): Promise<{ model: string; externalData?: string }> {
    const mode = options.externalData ?? 'auto';
    let encoded = this.encode();
    const location = options.location ?? `${basename(path)}.data`;
    const useExternal = mode === true || (mode === 'auto' && encoded.length > PROTOBUF_LIMIT);
    if (!useExternal && encoded.length > PROTOBUF_LIMIT) {
      throw new RangeError(
        `model size: expected under protobuf's 2 GiB limit with externalData: false, got ${encoded.length} bytes`,
      );
    }
    let externalPath: string | undefined;
    if (useExternal) {
      encoded = this.encode({ location, threshold: options.externalDataThreshold });
      externalPath = path.slice(0, path.length - basename(path).length) + location;
    }
    const total = encoded.length + encoded.externalLength;
    let done = 0;
    const progress = (n: number) => {
      done += n;
      options.onProgress?.(done, total);
    };
    if (externalPath !== undefined) await writePieces(externalPath, encoded.externalPieces, progress);
    await writePieces(path, encoded.pieces, progress);
    return externalPath === undefined ? { model: path } : { model: path, externalData: externalPath };
  }
}

function checkDims(parameter: string, shape: Dim[]): void {
  if (!Array.isArray(shape))
    throw new TypeError(`${parameter}: expected an array of dimensions, got ${typeof shape}`);
  for (const d of shape) {
    if (typeof d === 'number' ? !Number.isInteger(d) || d < 0 : typeof d !== 'string' || d === '') {
      throw new RangeError(
        `${parameter}: expected non-negative integers or symbol names, got [${shape.map((x) => JSON.stringify(x)).join(', ')}]`,
      );
    }
  }
}
