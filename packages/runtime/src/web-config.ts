/**
 * Settings of the browser backend (onnxruntime-web), kept apart from the module that imports it so
 * that pages can set them before the first model loads. Node.js ignores them.
 */

/** How the browser backend runs: see {@link configureWebRuntime}. */
export interface WebRuntimeOptions {
  /**
   * Where onnxruntime-web's `.wasm` files are served: a URL prefix ending in `/` (a bundler does
   * not copy them; the page's build must). Default: next to onnxruntime-web's own script.
   */
  wasmPaths?: string;
  /**
   * WebAssembly threads per model run. Threads need a cross-origin-isolated page (COOP/COEP
   * headers); without isolation onnxruntime-web runs on one. Default: every core, at most 4.
   */
  threads?: number;
}

/** What the browser backend runs on, once a model has loaded. */
export interface WebRuntimeInfo {
  /** `'wasm'` (WebAssembly on the CPU) or `'webgpu'`: the provider of the last model loaded. */
  executionProvider: 'wasm' | 'webgpu';
  /** WebAssembly threads (1 when the page is not cross-origin isolated). */
  threads: number;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer, and so threads, available). */
  crossOriginIsolated: boolean;
}

const settings: WebRuntimeOptions = {};
let info: WebRuntimeInfo | undefined;

/**
 * Sets how onnxruntime-web runs; call it before the first model loads (onnxruntime-web reads its
 * WebAssembly settings once).
 * @throws RangeError when `threads` is not a positive integer.
 */
export function configureWebRuntime(options: WebRuntimeOptions): void {
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RangeError(`threads: expected a positive integer, got ${options.threads}`);
  }
  if (options.wasmPaths !== undefined && typeof options.wasmPaths !== 'string') {
    throw new TypeError(`wasmPaths: expected a URL prefix string, got ${typeof options.wasmPaths}`);
  }
  Object.assign(settings, options);
}

/** The settings given to {@link configureWebRuntime}. */
export function webRuntimeSettings(): Readonly<WebRuntimeOptions> {
  return settings;
}

/** What the browser backend runs on, or undefined before the first model loads (and in Node.js). */
export function webRuntimeInfo(): WebRuntimeInfo | undefined {
  return info;
}

/** Records what the browser backend started (called by the backend). */
export function recordWebRuntime(value: WebRuntimeInfo): void {
  info = value;
}
