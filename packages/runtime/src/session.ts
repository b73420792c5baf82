// The only module of the project that imports onnxruntime-node (see STYLE.md): everything else
// works on HostTensor and ModelSession.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { CUDA_HELP, type Device, devicePlan, type ExecutionProvider, parseDevice } from './device.js';
import { DeviceError, RuntimeError } from './errors.js';
import type { HostTensor } from './host-tensor.js';
import { runSession } from './run-session.js';

/** How to create a {@link ModelSession}. */
export interface SessionOptions {
  /**
   * Where to run: `'cpu'` (default), `'cuda'` (needs the CUDA provider, see docs/cuda.md; fails
   * without it) or `'auto'` (CUDA when its provider loads, else the CPU).
   */
  device?: Device;
  /** Threads for one operator (onnxruntime's intra-op pool). Default: onnxruntime's choice (all cores). */
  threads?: number;
}

/** The folder holding onnxruntime-node's native binding and the optional provider libraries. */
function bindingFolder(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** Whether onnxruntime-node's CUDA execution provider library is installed next to its binding. */
export function cudaProviderInstalled(): boolean {
  return existsSync(join(bindingFolder(), 'libonnxruntime_providers_cuda.so'));
}

/** An ONNX model loaded into onnxruntime on one device. */
export class ModelSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** The device that was asked for (`'auto'` stays `'auto'`; see {@link executionProvider}). */
    readonly device: Device,
    /** The execution provider the session actually runs on. */
    readonly executionProvider: ExecutionProvider,
  ) {}

  /** The model's input names, in graph order. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** The model's output names, in graph order. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Loads a model from ONNX bytes or a `.onnx` path on the execution provider the device asks for
   * (`'auto'`: CUDA when its provider starts, else the CPU; {@link executionProvider} says which).
   * @throws RangeError when the device is unknown (the message lists the valid ones).
   * @throws DeviceError when `'cuda'` was asked for and its libraries are missing or do not start.
   * @throws RuntimeError when onnxruntime rejects the model.
   */
  static async create(model: Uint8Array | string, options: SessionOptions = {}): Promise<ModelSession> {
    const device = parseDevice(options.device ?? 'cpu');
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new RangeError(`threads: expected a positive integer, got ${options.threads}`);
    }
    if (typeof model === 'string' && !existsSync(model)) {
      throw new RuntimeError(`model: expected an existing .onnx file, got '${model}' (not found)`);
    }
    const plan = devicePlan(device);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    };
    const last = plan.candidates.length - 1;
    for (const [i, provider] of plan.candidates.entries()) {
      // With `strict` the only candidate must start; otherwise a provider that cannot start is skipped.
      const final = plan.strict || i === last;
      if (provider === 'cuda' && !cudaProviderInstalled()) {
        if (!final) continue;
        throw new DeviceError(
          `device '${device}': expected onnxruntime-node's CUDA provider (libonnxruntime_providers_cuda.so in ${bindingFolder()}), got none; ${CUDA_HELP}`,
        );
      }
      try {
        const withProvider = { ...sessionOptions, executionProviders: [provider] };
        const session =
          typeof model === 'string'
            ? await ort.InferenceSession.create(model, withProvider)
            : await ort.InferenceSession.create(model, withProvider);
        return new ModelSession(session, device, provider);
      } catch (error) {
        if (!final) continue;
        const reason = error instanceof Error ? error.message : String(error);
        if (provider === 'cuda')
          throw new DeviceError(
            `device '${device}': onnxruntime could not start CUDA (${reason}); ${CUDA_HELP}`,
          );
        throw new RuntimeError(`onnxruntime could not load the model: ${reason}`);
      }
    }
    throw new DeviceError(`device '${device}': expected an execution provider to try, got none`);
  }

  /**
   * Runs the model. `feeds` maps input names to tensors; returns the requested outputs (all by default).
   * @throws RuntimeError naming the inputs, their types and shapes when onnxruntime fails.
   */
  async run(
    feeds: Record<string, HostTensor>,
    outputs?: readonly string[],
  ): Promise<Record<string, HostTensor>> {
    const run = (ortFeeds: Record<string, ort.Tensor>, fetches?: string[]) =>
      (fetches ? this.session.run(ortFeeds, fetches) : this.session.run(ortFeeds)) as Promise<
        Record<string, ort.Tensor>
      >;
    return runSession(
      this.session.inputNames,
      run,
      (t) => new ort.Tensor(t.type, t.data, t.dims),
      feeds,
      outputs,
    );
  }

  /** Frees the native session. The object must not be used afterwards. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
