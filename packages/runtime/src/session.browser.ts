// The browser's backend (swapped for session.ts by the `browser` condition of package.json's `imports`): the same
// ModelSession on onnxruntime-web — WebAssembly, or WebGPU with device 'auto' where the browser has
// it. Like session.ts for onnxruntime-node, this is the only module that imports onnxruntime-web.
import * as ort from 'onnxruntime-web';
import type { ExecutionProvider } from './device.js';
import { DeviceError, RuntimeError } from './errors.js';
import type { HostTensor } from './host-tensor.js';
import { runSession } from './run-session.js';
import type * as NodeSession from './session.js';
import { recordWebRuntime, webRuntimeSettings } from './web-config.js';

/** How to create a {@link ModelSession}: as in Node.js; `threads` applies to the first model only. */
export type SessionOptions = NodeSession.SessionOptions;

type WebProvider = Extract<ExecutionProvider, 'wasm' | 'webgpu'>;

/** There is no CUDA in a browser. */
export const cudaProviderInstalled: typeof NodeSession.cudaProviderInstalled = () => false;

/** The few browser globals used here (the project type-checks without the DOM library). */
const page = globalThis as {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: unknown };
};

let wasmConfigured = false;

/** Applies the WebAssembly settings once, before the first session (onnxruntime-web reads them then). */
function configureWasm(threads: number | undefined): void {
  if (wasmConfigured) return;
  wasmConfigured = true;
  const settings = webRuntimeSettings();
  if (settings.wasmPaths !== undefined) ort.env.wasm.wasmPaths = settings.wasmPaths;
  const isolated = page.crossOriginIsolated === true;
  const cores = page.navigator?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? (threads ?? settings.threads ?? Math.min(4, cores)) : 1;
}

/** Providers to try for a device, most preferred first (WebGPU only where the browser has it). */
function providers(device: string): WebProvider[] {
  if (device === 'cpu') return ['wasm'];
  if (device === 'auto') return page.navigator?.gpu !== undefined ? ['webgpu', 'wasm'] : ['wasm'];
  throw new DeviceError(`device '${device}': expected 'cpu' or 'auto' in a browser, got '${device}'`);
}

/** An ONNX model loaded into onnxruntime-web. */
export class ModelSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** The device that was asked for. */
    readonly device: NodeSession.ModelSession['device'],
    /** The onnxruntime-web execution provider the session runs on (`'wasm'` or `'webgpu'`). */
    readonly executionProvider: WebProvider,
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
   * Loads a model from ONNX bytes or a URL of a `.onnx` file.
   * @throws DeviceError when the device cannot run in a browser (`'cuda'`).
   * @throws RuntimeError when onnxruntime-web rejects the model.
   */
  static async create(model: Uint8Array | string, options: SessionOptions = {}): Promise<ModelSession> {
    const device = options.device ?? 'cpu';
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new RangeError(`threads: expected a positive integer, got ${options.threads}`);
    }
    const candidates = providers(device);
    configureWasm(options.threads);
    for (const [i, provider] of candidates.entries()) {
      try {
        const sessionOptions: ort.InferenceSession.SessionOptions = {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
        };
        const session =
          typeof model === 'string'
            ? await ort.InferenceSession.create(model, sessionOptions)
            : await ort.InferenceSession.create(model, sessionOptions);
        recordWebRuntime({
          executionProvider: provider,
          threads: provider === 'wasm' ? (ort.env.wasm.numThreads ?? 1) : 0,
          crossOriginIsolated: page.crossOriginIsolated === true,
        });
        return new ModelSession(session, device, provider);
      } catch (error) {
        if (i < candidates.length - 1) continue;
        const reason = error instanceof Error ? error.message : String(error);
        throw new RuntimeError(`onnxruntime-web could not load the model: ${reason}`);
      }
    }
    throw new DeviceError(`device '${device}': expected an execution provider to try, got none`);
  }

  /**
   * Runs the model. `feeds` maps input names to tensors; returns the requested outputs (all by default).
   * @throws RuntimeError naming the inputs, their types and shapes when onnxruntime-web fails.
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

  /** Frees the session. The object must not be used afterwards. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

// The two backends keep one interface: a public member or a `create` signature that one has and
// the other lacks fails type-checking here.
type Public<T> = { [K in keyof T]: T[K] };
const sameInterface: (
  model: Uint8Array | string,
  options?: SessionOptions,
) => Promise<Public<NodeSession.ModelSession>> = ModelSession.create;
void sameInterface;
