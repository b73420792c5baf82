/**
 * One model run, the same for both backends (onnxruntime-node and onnxruntime-web share
 * onnxruntime-common's session and tensor types): checks the feeds, converts host tensors to the
 * backend's tensors and back, and names the inputs when the run fails.
 */

import { RuntimeError } from './errors.js';
import {
  checkFeeds,
  checkHostTensor,
  describeTensors,
  type HostTensor,
  type HostTensorType,
} from './host-tensor.js';

/** The part of an onnxruntime tensor read here. */
export interface BackendTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** An onnxruntime `InferenceSession`'s run: all outputs, or those named in `fetches`. */
export type BackendRun<T extends BackendTensor> = (
  feeds: Record<string, T>,
  fetches?: string[],
) => Promise<Record<string, T>>;

/**
 * Runs a model of inputs `inputNames` on host tensors; `tensor` builds the backend's tensor from
 * checked host data.
 * @throws RuntimeError naming the inputs, their types and shapes when the backend fails.
 */
export async function runSession<T extends BackendTensor>(
  inputNames: readonly string[],
  run: BackendRun<T>,
  tensor: (host: HostTensor) => T,
  feeds: Record<string, HostTensor>,
  outputs?: readonly string[],
): Promise<Record<string, HostTensor>> {
  checkFeeds(inputNames, feeds);
  const backendFeeds: Record<string, T> = {};
  for (const [name, host] of Object.entries(feeds)) {
    checkHostTensor(name, host);
    backendFeeds[name] = tensor(unshared(host));
  }
  let results: Record<string, T>;
  try {
    results = await run(backendFeeds, outputs === undefined ? undefined : [...outputs]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RuntimeError(`model run failed with inputs ${describeTensors(feeds)}: ${reason}`);
  }
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(results)) {
    out[name] = { type: t.type as HostTensorType, dims: [...t.dims], data: t.data as HostTensor['data'] };
  }
  return out;
}

/**
 * The tensor with its data in an ordinary `ArrayBuffer`. onnxruntime-node fails a run whose input
 * lies in a `SharedArrayBuffer` with a bare "Invalid argument" (seen when fsdd's sampler threads,
 * which keep the counts in shared memory, fed an unguided model), so such data is copied first.
 */
function unshared(host: HostTensor): HostTensor {
  const isShared = typeof SharedArrayBuffer !== 'undefined' && host.data.buffer instanceof SharedArrayBuffer;
  return isShared ? { ...host, data: host.data.slice() as HostTensor['data'] } : host;
}
