import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ElementType,
  float,
  Graph,
  int,
  ints,
  readModelMetadata,
  type TensorData,
  tensor,
} from '@tokenset/onnx-graph';
import { ModelSession } from '@tokenset/runtime';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'onnx-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f32 = (v: number[]) => ({ type: 'float32' as const, dims: [v.length], data: Float32Array.from(v) });

async function run(model: Uint8Array | string, feeds: Parameters<ModelSession['run']>[0]) {
  const session = await ModelSession.create(model, { threads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** x + Cast(init) for one initializer of every element type. */
function everyTypeModel(): Graph {
  const g = new Graph({ name: 'every-type' });
  const x = g.input('x', 'float32', [3]);
  const initializers: [ElementType, TensorData][] = [
    ['float32', new Float32Array([0.5, -1, 2])],
    ['float16', new Uint16Array([0x3c00, 0xc000, 0x3800])], // 1, -2, 0.5
    ['float64', new Float64Array([0.25, 0.125, -4])],
    ['int64', new BigInt64Array([-3n, 5n, 7n])],
    ['int32', new Int32Array([-100, 2, 3])],
    ['int8', new Int8Array([-128, 127, 1])],
    ['uint8', new Uint8Array([255, 0, 9])],
    ['bool', new Uint8Array([1, 0, 1])],
  ];
  let sum = x;
  for (const [type, data] of initializers) {
    const c = g.initializer(`c_${type}`, data, [3], type);
    sum = g.op('Add', [sum, g.op('Cast', [c], { to: int(1) })]);
  }
  g.output(sum, 'y', 'float32', [3]);
  return g;
}
const EVERY_TYPE_SUM = [
  0.5 + 1 + 0.25 - 3 - 100 - 128 + 255 + 1,
  -1 - 2 + 0.125 + 5 + 2 + 127 + 0 + 0,
  2 + 0.5 - 4 + 7 + 3 + 1 + 9 + 1,
];

describe('Graph', () => {
  it('writes initializers of every element type that onnxruntime reads back', async () => {
    const out = await run(everyTypeModel().toBytes(), { x: f32([0, 0, 0]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual(EVERY_TYPE_SUM);
  });

  it('writes the same bytes for the same graph', () => {
    const a = everyTypeModel().toBytes();
    const b = everyTypeModel().toBytes();
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
    // ModelProto starts with ir_version (field 1) = 10 for opset 21.
    expect(Array.from(a.slice(0, 2))).toEqual([0x08, 10]);
  });

  it('declares symbolic dimensions, attributes of every kind and multi-output nodes', async () => {
    const g = new Graph({ opset: 21 });
    const x = g.input('x', 'float32', ['batch', 4]);
    const [a, b] = g.opN('Split', [x], 2, { axis: int(1), num_outputs: int(2) });
    const shape = g.op('Shape', [a]);
    const filled = g.op('ConstantOfShape', [shape], { value: tensor(new Float32Array([1.5]), [1]) });
    const scaled = g.op('LeakyRelu', [g.op('Sub', [b, filled])], { alpha: float(0.5) });
    g.output(g.op('Transpose', [scaled], { perm: ints([1, 0]) }), 'y', 'float32', [2, 'batch']);
    const out = await run(g.toBytes(), {
      x: { type: 'float32', dims: [1, 4], data: new Float32Array([0, 0, 1, 2]) },
    });
    expect(out.y.dims).toEqual([2, 1]);
    expect(Array.from(out.y.data as Float32Array)).toEqual([-0.25, 0.5]);
  });

  it('runs com.microsoft operators', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    g.output(g.op('FastGelu', [x], {}, { domain: 'com.microsoft' }), 'y', 'float32', [2]);
    const out = await run(g.toBytes(), { x: f32([0, 1]) });
    expect((out.y.data as Float32Array)[1]).toBeCloseTo(0.8412, 3);
  });

  it('moves tensor data to a side file (external data) that onnxruntime loads', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2048]);
    const big = Float32Array.from({ length: 2048 }, (_, i) => i / 8);
    const small = new Float32Array([3]);
    const y = g.op('Add', [
      g.op('Add', [x, g.initializer('big', big, [2048])]),
      g.initializer('small', small, [1]),
    ]);
    g.output(y, 'y', 'float32', [2048]);
    const inline = g.toBytes();

    const modelPath = join(dir, 'ext.onnx');
    const written = await g.save(modelPath, { externalData: true });
    expect(written.externalData).toBe(join(dir, 'ext.onnx.data'));
    expect(statSync(written.externalData!).size).toBe(8192); // only the large tensor, at offset 0
    expect(statSync(modelPath).size).toBeLessThan(inline.length - 8000);
    const out = await run(modelPath, { x: { type: 'float32', dims: [2048], data: new Float32Array(2048) } });
    expect((out.y.data as Float32Array)[100]).toBe(100 / 8 + 3);

    // toBytes with externalDataPath: the same side file content, written synchronously.
    const bytesPath = join(dir, 'sync.onnx.data');
    const modelBytes = g.toBytes({ externalDataPath: bytesPath });
    expect(readFileSync(bytesPath)).toEqual(readFileSync(written.externalData!));
    expect(modelBytes.length).toBeLessThan(inline.length - 8000);

    // Without external data, save writes exactly toBytes().
    await g.save(join(dir, 'inline.onnx'));
    expect(new Uint8Array(readFileSync(join(dir, 'inline.onnx')))).toEqual(inline);
  });

  it('aligns tensors in the side file to 4096 bytes', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [300]);
    let y = x;
    for (let i = 0; i < 3; i++)
      y = g.op('Add', [y, g.initializer(`w${i}`, new Float32Array(300).fill(i + 1), [300])]);
    g.output(y, 'y', 'float32', [300]);
    const path = join(dir, 'aligned.onnx');
    await g.save(path, { externalData: true });
    expect(statSync(`${path}.data`).size).toBe(2 * 4096 + 1200);
    const out = await run(path, { x: { type: 'float32', dims: [300], data: new Float32Array(300) } });
    expect((out.y.data as Float32Array)[299]).toBe(6);
  });

  it('writes metadata_props that readModelMetadata reads back', async () => {
    const g = everyTypeModel();
    g.metadata('config', '{"a":1}');
    g.metadata('kind', 'test');
    const bytes = g.toBytes();
    expect([...readModelMetadata(bytes)]).toEqual([
      ['config', '{"a":1}'],
      ['kind', 'test'],
    ]);
    expect(readModelMetadata(everyTypeModel().toBytes()).size).toBe(0);
    expect(() => readModelMetadata(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated|end of the data/);
    const out = await run(bytes, { x: f32([0, 0, 0]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual(EVERY_TYPE_SUM);
  });

  it('reports save progress up to the total size', async () => {
    const g = everyTypeModel();
    const seen: [number, number][] = [];
    await g.save(join(dir, 'progress.onnx'), { onProgress: (w, t) => seen.push([w, t]) });
    const total = g.toBytes().length;
    expect(seen.at(-1)).toEqual([total, total]);
  });

  it('rejects bad input with clear errors', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    expect(() => g.input('x', 'float32', [2])).toThrow(/expected a new name, got 'x' again/);
    expect(() => g.input('z', 'complex' as ElementType, [2])).toThrow(RangeError);
    expect(() => g.input('z', 'float32', [-1])).toThrow(/non-negative integers or symbol names/);
    expect(() => g.initializer('w', new Float32Array(3), [2])).toThrow(
      /expected 2 elements for shape \[2\], got 3/,
    );
    expect(() => g.initializer('w', [1, 2] as unknown as Float32Array, [2])).toThrow(TypeError);
    expect(() => g.initializer('w', new Float32Array(2), [2], 'int32')).toThrow(
      /expected a Int32Array for type int32/,
    );
    const other = new Graph().input('x', 'float32', [2]);
    expect(() => g.op('Relu', [other])).toThrow(/expected a Value of this graph/);
    expect(() => new Graph().toBytes()).toThrow(/at least one output/);
    expect(() => g.op('Relu', [x], { alpha: 3 as never })).toThrow(/expected an Attribute/);
  });
});
