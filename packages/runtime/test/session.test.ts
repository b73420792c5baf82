import { Graph } from '@tokenset/onnx-graph';
import {
  checkHostTensor,
  cudaProviderInstalled,
  DEVICES,
  type Device,
  DeviceError,
  describeTensors,
  devicePlan,
  executionProviders,
  ModelSession,
  parseDevice,
  RuntimeError,
} from '@tokenset/runtime';
import { describe, expect, it } from 'vitest';

/** y = Identity(x), float32 [2]. */
function identityModel(): Uint8Array {
  const g = new Graph({ name: 'identity' });
  g.output(g.op('Identity', [g.input('x', 'float32', [2])]), 'y', 'float32', [2]);
  return g.toBytes();
}

describe('parseDevice', () => {
  it('accepts the known devices and lists them for an unknown one', () => {
    expect(parseDevice('cpu')).toBe('cpu');
    expect(parseDevice('cuda')).toBe('cuda');
    expect(() => parseDevice('tpu')).toThrow(RangeError);
    expect(parseDevice('auto')).toBe('auto');
    expect(() => parseDevice('tpu')).toThrow("device: expected one of 'cpu', 'cuda', 'auto', got 'tpu'");
  });

  it('maps each device to the providers to try, from one table', () => {
    expect(DEVICES).toEqual(['cpu', 'cuda', 'auto']);
    expect(devicePlan('cpu')).toEqual({ candidates: ['cpu'], strict: true });
    expect(devicePlan('cuda')).toEqual({ candidates: ['cuda'], strict: true });
    expect(devicePlan('auto')).toEqual({ candidates: ['cuda', 'cpu'], strict: false });
    expect(executionProviders('auto')).toEqual(['cuda', 'cpu']);
    expect(() => devicePlan('gpu' as Device)).toThrow("expected one of 'cpu', 'cuda', 'auto', got 'gpu'");
  });
});

describe('checkHostTensor', () => {
  it('rejects data of the wrong kind and sizes that do not match the dims', () => {
    expect(() => checkHostTensor('x', { type: 'int64', dims: [2], data: new Int32Array(2) })).toThrow(
      'x.data: expected BigInt64Array for type int64, got Int32Array',
    );
    expect(() => checkHostTensor('x', { type: 'float32', dims: [2, 3], data: new Float32Array(5) })).toThrow(
      'x: expected 5 elements for dims [2, 3], got 6',
    );
    expect(describeTensors({ x: { type: 'int64', dims: [2, 4096], data: new BigInt64Array(8192) } })).toBe(
      'x: int64[2,4096]',
    );
  });
});

describe('ModelSession.create', () => {
  it('says how to install CUDA when its provider is absent', async () => {
    if (cudaProviderInstalled()) return; // only meaningful where the CUDA libraries are absent (CI, this repo's machines)
    const error = await ModelSession.create(new Uint8Array(8), { device: 'cuda' }).catch((e) => e);
    expect(error).toBeInstanceOf(DeviceError);
    expect(error.message).toMatch(/libonnxruntime_providers_cuda\.so/);
    expect(error.message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(error.message).toMatch(/docs\/cuda\.md/);
    expect(error.message).toMatch(/npm rebuild onnxruntime-node/);
  });

  it("'auto' runs on CUDA when its provider starts and on the CPU otherwise, and says which", async () => {
    const session = await ModelSession.create(identityModel(), { device: 'auto' });
    try {
      expect(session.device).toBe('auto');
      expect(session.executionProvider).toBe(cudaProviderInstalled() ? 'cuda' : 'cpu');
      const out = await session.run({ x: { type: 'float32', dims: [2], data: new Float32Array([1, 2]) } });
      expect([...(out.y.data as Float32Array)]).toEqual([1, 2]);
    } finally {
      await session.release();
    }
    const cpu = await ModelSession.create(identityModel(), { device: 'cpu' });
    expect(cpu.executionProvider).toBe('cpu');
    await cpu.release();
  });

  it('runs on inputs in shared memory (onnxruntime-node alone rejects them: "Invalid argument")', async () => {
    const session = await ModelSession.create(identityModel());
    try {
      const data = new Float32Array(new SharedArrayBuffer(8));
      data.set([3, 4]);
      const out = await session.run({ x: { type: 'float32', dims: [2], data } });
      expect([...(out.y.data as Float32Array)]).toEqual([3, 4]);
    } finally {
      await session.release();
    }
  });

  it('rejects bad thread counts, missing files and bytes that are not a model', async () => {
    await expect(ModelSession.create(new Uint8Array(8), { threads: 0 })).rejects.toThrow(
      'threads: expected a positive integer, got 0',
    );
    await expect(ModelSession.create('/nonexistent/model.onnx')).rejects.toThrow(RuntimeError);
    await expect(ModelSession.create(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(
      /onnxruntime could not load the model/,
    );
  });
});
