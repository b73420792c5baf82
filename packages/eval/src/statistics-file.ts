import { describe, type NdArray, readNpz, writeNpz } from '@tokenset/tensor-io';
import { MetricError } from './errors.js';
import { FeatureStatistics, type Statistics } from './feature-statistics.js';

/** Statistics read from a `.npz` file: `mu`, `sigma`, and the raw sums when the file has them. */
export interface LoadedStatistics extends Statistics {
  /** The dtype `mu` had in the file (torch-fidelity writes float32, some tools float64). */
  muDtype: 'float32' | 'float64';
  /** The streaming sums when the file was written from a {@link FeatureStatistics} (mergeable). */
  accumulator?: FeatureStatistics;
}

/** Options of {@link saveStatistics}. */
export interface SaveStatisticsOptions {
  /** dtype of `mu` in the file: `'float32'` (torch-fidelity's) or `'float64'` (default). */
  muDtype?: 'float32' | 'float64';
  /** Deflate the members; default false (like `np.savez`). */
  compress?: boolean;
}

/**
 * Reads FID statistics from a `.npz` file (or its bytes) with arrays `mu` (`[d]`, float32 or
 * float64) and `sigma` (`[d, d]`), like ADM's `adm_in256_stats.npz` or torch-fidelity's cached
 * statistics. Files written by {@link saveStatistics} from a {@link FeatureStatistics} also carry
 * `count`, `sum` and `sum_outer`, returned as a mergeable `accumulator`.
 */
export async function loadStatistics(source: string | Uint8Array): Promise<LoadedStatistics> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new TypeError(`source: expected a path or the bytes of a .npz file, got ${describe(source)}`);
  }
  const arrays = await readNpz(source);
  const where = typeof source === 'string' ? source : 'the statistics bytes';
  const mu = arrays.get('mu');
  const sigma = arrays.get('sigma');
  const names = [...arrays.keys()].join(', ') || 'no arrays';
  if (!mu) throw new MetricError(`${where}: expected an array "mu" in the statistics file, got ${names}`);
  if (!sigma)
    throw new MetricError(`${where}: expected an array "sigma" in the statistics file, got ${names}`);
  const muData = floatData(mu, `${where}: mu`);
  const sigmaData = floatData(sigma, `${where}: sigma`);
  if (mu.shape.length !== 1)
    throw new MetricError(`${where}: expected mu of shape [d], got [${mu.shape.join(', ')}]`);
  const d = mu.shape[0];
  if (sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
    throw new MetricError(
      `${where}: expected sigma of shape [${d}, ${d}] to match mu (dimension mismatch), got [${sigma.shape.join(', ')}]`,
    );
  }
  const result: LoadedStatistics = {
    mu: Float64Array.from(muData),
    sigma: Float64Array.from(sigmaData),
    dim: d,
    muDtype: mu.dtype === 'float32' ? 'float32' : 'float64',
  };
  const count = arrays.get('count');
  const sum = arrays.get('sum');
  const sumOuter = arrays.get('sum_outer');
  const sum32 = arrays.get('sum_f32');
  if (count && sum && sumOuter) {
    const n = count.data instanceof BigInt64Array ? Number(count.data[0]) : Number(count.data[0]);
    result.accumulator = FeatureStatistics.fromSums(
      n,
      Float64Array.from(floatData(sum, `${where}: sum`)),
      Float64Array.from(floatData(sumOuter, `${where}: sum_outer`)),
      sum32 ? Float32Array.from(floatData(sum32, `${where}: sum_f32`)) : undefined,
    );
  }
  return result;
}

/**
 * Writes statistics as a `.npz` file readable by NumPy, torch-fidelity and ADM's evaluator: `mu`
 * (float64 by default, or float32) and `sigma` (float64). Given a {@link FeatureStatistics}, the
 * file also keeps `count`, `sum` and `sum_outer` (float64) and `sum_f32` so shards can be merged later.
 */
export async function saveStatistics(
  path: string,
  statistics: Statistics | FeatureStatistics,
  options: SaveStatisticsOptions = {},
): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`path: expected a string, got ${describe(path)}`);
  await writeNpz(path, statisticsArrays(statistics, options), { compress: options.compress ?? false });
}

/** The arrays {@link saveStatistics} writes, by name. */
export function statisticsArrays(
  statistics: Statistics | FeatureStatistics,
  options: SaveStatisticsOptions = {},
): Map<string, NdArray> {
  const muDtype = options.muDtype ?? 'float64';
  if (muDtype !== 'float32' && muDtype !== 'float64') {
    throw new RangeError(`muDtype: expected one of float32, float64, got ${String(muDtype)}`);
  }
  const stats = statistics instanceof FeatureStatistics ? statistics.statistics() : statistics;
  if (
    typeof stats !== 'object' ||
    stats === null ||
    !((stats.mu as unknown) instanceof Float64Array || (stats.mu as unknown) instanceof Float32Array)
  ) {
    throw new TypeError(
      `statistics: expected a FeatureStatistics or { mu, sigma, dim }, got ${describe(statistics)}`,
    );
  }
  const d = stats.mu.length;
  if (stats.sigma.length !== d * d) {
    throw new MetricError(
      `statistics.sigma: expected ${d * d} values (dimension mismatch), got ${stats.sigma.length}`,
    );
  }
  const arrays = new Map<string, NdArray>();
  arrays.set('mu', {
    dtype: muDtype,
    shape: [d],
    data: muDtype === 'float32' ? Float32Array.from(stats.mu) : Float64Array.from(stats.mu),
  });
  arrays.set('sigma', { dtype: 'float64', shape: [d, d], data: Float64Array.from(stats.sigma) });
  if (statistics instanceof FeatureStatistics) {
    arrays.set('count', { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(statistics.count)) });
    arrays.set('sum', { dtype: 'float64', shape: [d], data: Float64Array.from(statistics.sum) });
    arrays.set('sum_outer', {
      dtype: 'float64',
      shape: [d, d],
      data: Float64Array.from(statistics.sumOuter),
    });
    arrays.set('sum_f32', { dtype: 'float32', shape: [d], data: Float32Array.from(statistics.sum32) });
  }
  return arrays;
}

function floatData(array: NdArray, what: string): Float32Array | Float64Array {
  if (array.data instanceof Float32Array || array.data instanceof Float64Array) return array.data;
  throw new MetricError(`${what}: expected float32 or float64, got ${array.dtype}`);
}
