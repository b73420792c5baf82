/** One measured figure of a benchmark, with the ceiling or peer figure it is judged against. */
export interface BenchRow {
  /** What was measured, e.g. `fsdd sample: C=4096 M=128 B=8`. */
  name: string;
  /** The measured figure. */
  figure: number;
  /** Its unit, e.g. `ms/row-step`, `MB/s`, `GFLOP/s`. */
  unit: string;
  /** The ceiling or peer figure measured in the same run, in the same unit (or a fixed target). */
  ceiling?: number;
  /** What the ceiling is, e.g. `sequential read`, `ORT MatMul`, `target`. */
  ceilingName?: string;
  /** Whether a larger figure is better. Decides how the ratio reads. */
  better: 'higher' | 'lower';
  /** The goal, in words, e.g. `>= 70% of ceiling`. */
  goal?: string;
  /** Whether the goal is met, when there is one. */
  met?: boolean;
}

/** A benchmark module's default export. */
export type Bench = () => Promise<BenchRow[]>;

/** Peak resident memory of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Runs `fn` `repeats` times after `warmup` runs and returns the median duration in milliseconds. */
export async function medianMs(fn: () => unknown, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    collectGarbage();
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * A full garbage collection where the benchmark runs with `--expose-gc` (`pnpm bench` does), so that a
 * timed run does not pay for garbage an earlier one left (the reference sampler leaves hundreds of MB).
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The median of `values` (the upper one of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Times `run` `repeats` times, each run right after a measurement of onnxruntime's float32 MatMul
 * ceiling, so that on a shared machine both figures see the same load. Returns the medians (seconds
 * per run, GFLOP/s of the ceiling) and every ceiling measured.
 */
export async function timedAgainstCeiling(
  run: () => Promise<unknown>,
  repeats: number,
): Promise<{ seconds: number; ceiling: number; ceilings: number[] }> {
  const { matmulCeilingGflops } = await import('@tokenset/runtime');
  const seconds: number[] = [];
  const ceilings: number[] = [];
  for (let i = 0; i < repeats; i++) {
    ceilings.push(await matmulCeilingGflops({ repeats: 3 }));
    const start = performance.now();
    await run();
    seconds.push((performance.now() - start) / 1000);
  }
  return { seconds: median(seconds), ceiling: median(ceilings), ceilings };
}

/**
 * The two rows of an image model's benchmark: achieved GFLOP/s against the MatMul ceiling (judged
 * against `goalRatio` of it), and images/s against what the ceiling would allow.
 */
export function imageThroughputRows(options: {
  /** Row names: `${label}, <GFLOP> GFLOP/image` and `${label}`. */
  label: string;
  /** Images per timed run. */
  images: number;
  flopsPerImage: number;
  timing: { seconds: number; ceiling: number; ceilings: number[] };
  goalRatio: number;
}): BenchRow[] {
  const { label, images, flopsPerImage, goalRatio } = options;
  const { seconds, ceiling, ceilings } = options.timing;
  const gflops = (images * flopsPerImage) / seconds / 1e9;
  return [
    {
      name: `${label}, ${(flopsPerImage / 1e9).toFixed(2)} GFLOP/image`,
      figure: gflops,
      unit: 'GFLOP/s',
      ceiling,
      ceilingName: `ORT MatMul 2048² (${ceilings.map((c) => c.toFixed(0)).join('/')})`,
      better: 'higher',
      goal: `>= ${goalRatio * 100}% of ceiling`,
      met: gflops >= goalRatio * ceiling,
    },
    {
      name: label,
      figure: images / seconds,
      unit: 'images/s',
      ceiling: (ceiling * 1e9) / flopsPerImage,
      ceilingName: 'at the MatMul ceiling',
      better: 'higher',
    },
  ];
}
