// Serialization of a built graph to ONNX's ModelProto (field numbers from onnx/onnx.proto).
// Everything is written in insertion order, so the same graph always gives the same bytes.

import type { Attribute, TensorValue } from './attribute.js';
import { DATA_TYPE_CODE, type Dim, type ElementType, type TensorData } from './element-type.js';
import { ProtoWriter } from './proto-writer.js';

/** A node as recorded by the builder. */
export interface NodeRecord {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: [string, Attribute][];
}

/** A typed graph input or output. */
export interface ValueInfoRecord {
  name: string;
  type: ElementType;
  shape: Dim[];
}

/** An initializer (a named constant tensor). */
export interface InitializerRecord extends TensorValue {
  name: string;
}

/** Everything needed to write a ModelProto. */
export interface ModelRecord {
  graphName: string;
  irVersion: number;
  opsetImports: [domain: string, version: number][];
  producerName: string;
  producerVersion: string;
  inputs: ValueInfoRecord[];
  outputs: ValueInfoRecord[];
  initializers: InitializerRecord[];
  nodes: NodeRecord[];
  /** `metadata_props` key/value pairs, in insertion order. */
  metadata: [string, string][];
}

/** Where and how tensor data is moved out of the model into a side file. */
export interface ExternalDataPlan {
  /** The `location` written into each tensor: the side file's path relative to the model file. */
  location: string;
  /** Tensors with at least this many bytes go to the side file. */
  threshold: number;
  /** Offsets in the side file are multiples of this (so the file can be memory-mapped per tensor). */
  alignment: number;
}

/** A ModelProto as byte pieces, and the side file's pieces when external data is used. */
export interface EncodedModel {
  pieces: Uint8Array[];
  length: number;
  externalPieces: Uint8Array[];
  externalLength: number;
}

// Attribute type codes (AttributeProto.AttributeType).
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** The raw little-endian bytes of a typed array, as a view. */
export function rawBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

interface ExternalState {
  plan: ExternalDataPlan;
  pieces: Uint8Array[];
  length: number;
}

function tensorProto(
  t: TensorValue,
  name: string | undefined,
  external: ExternalState | undefined,
): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.shape) w.varint(1, d); // dims
  w.varint(2, DATA_TYPE_CODE[t.type]); // data_type
  if (name !== undefined) w.string(8, name); // name
  const bytes = rawBytes(t.data);
  if (external !== undefined && bytes.byteLength >= external.plan.threshold) {
    const pad =
      (external.plan.alignment - (external.length % external.plan.alignment)) % external.plan.alignment;
    if (pad > 0) {
      external.pieces.push(new Uint8Array(pad));
      external.length += pad;
    }
    const entries: [string, string][] = [
      ['location', external.plan.location],
      ['offset', String(external.length)],
      ['length', String(bytes.byteLength)],
    ];
    for (const [key, value] of entries) w.message(13, new ProtoWriter().string(1, key).string(2, value)); // external_data
    w.varint(14, 1); // data_location = EXTERNAL
    external.pieces.push(bytes);
    external.length += bytes.byteLength;
  } else {
    w.bytes(9, bytes); // raw_data
  }
  return w;
}

function attributeProto(name: string, a: Attribute): ProtoWriter {
  const w = new ProtoWriter().string(1, name); // name
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.varint(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, tensorProto(a.value, undefined, undefined));
      break;
    case 'floats':
      for (const v of a.value) w.float(7, v);
      break;
    case 'ints':
      for (const v of a.value) w.varint(8, v);
      break;
  }
  w.varint(20, ATTRIBUTE_TYPE[a.kind]); // type
  return w;
}

function nodeProto(n: NodeRecord): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of n.attributes) w.message(5, attributeProto(name, a));
  if (n.domain !== '') w.string(7, n.domain);
  return w;
}

function valueInfoProto(v: ValueInfoRecord): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number')
      dim.varint(1, d); // dim_value
    else dim.string(2, d); // dim_param
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().varint(1, DATA_TYPE_CODE[v.type]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type);
}

/** Encodes `model` as ModelProto pieces; with `external`, large tensors go to side-file pieces instead. */
export function encodeModel(model: ModelRecord, external?: ExternalDataPlan): EncodedModel {
  const state: ExternalState | undefined = external && { plan: external, pieces: [], length: 0 };
  const graph = new ProtoWriter();
  for (const n of model.nodes) graph.message(1, nodeProto(n));
  graph.string(2, model.graphName);
  for (const t of model.initializers) graph.message(5, tensorProto(t, t.name, state));
  for (const v of model.inputs) graph.message(11, valueInfoProto(v));
  for (const v of model.outputs) graph.message(12, valueInfoProto(v));

  const w = new ProtoWriter();
  w.varint(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.message(7, graph);
  for (const [domain, version] of model.opsetImports) {
    w.message(8, new ProtoWriter().string(1, domain).varint(2, version));
  }
  for (const [key, value] of model.metadata) w.message(14, new ProtoWriter().string(1, key).string(2, value));
  const length = w.length;
  return {
    pieces: w.finish(),
    length,
    externalPieces: state?.pieces ?? [],
    externalLength: state?.length ?? 0,
  };
}
