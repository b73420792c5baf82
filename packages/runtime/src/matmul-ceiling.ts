import { Graph } from '@tokenset/onnx-graph';
import { ModelSession } from './backend.js';
import type { SessionOptions } from './session.js';

/** How to measure {@link matmulCeilingGflops}. */
export interface CeilingOptions extends SessionOptions {
  /** Side of the square float32 matrices multiplied. Default 2048 (17 GFLOP per product). */
  size?: number;
  /** Timed runs; the median is reported. Default 5 (after one warm-up run). */
  repeats?: number;
}

/**
 * The float32 throughput onnxruntime reaches on one large square MatMul, in GFLOP/s: the practical
 * ceiling of this machine for transformer-style models, which benchmarks print next to what a model
 * achieves. Measured, never assumed, so it reflects the same threads and the same load.
 */
export async function matmulCeilingGflops(options: CeilingOptions = {}): Promise<number> {
  const n = options.size ?? 2048;
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`size: expected a positive integer, got ${n}`);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`repeats: expected a positive integer, got ${repeats}`);
  }
  const g = new Graph({ name: 'matmul-ceiling' });
  const a = g.input('a', 'float32', [n, n]);
  const b = g.initializer('b', fill(n * n, 0.5), [n, n]);
  g.output(g.op('MatMul', [a, b]), 'c', 'float32', [n, n]);
  const session = await ModelSession.create(g.toBytes(), options);
  try {
    const feeds = { a: { type: 'float32' as const, dims: [n, n], data: fill(n * n, 0.25) } };
    await session.run(feeds);
    const seconds: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const start = performance.now();
      await session.run(feeds);
      seconds.push((performance.now() - start) / 1000);
    }
    seconds.sort((x, y) => x - y);
    return (2 * n * n * n) / seconds[Math.floor(repeats / 2)] / 1e9;
  } finally {
    await session.release();
  }
}

function fill(length: number, value: number): Float32Array {
  return new Float32Array(length).fill(value);
}
