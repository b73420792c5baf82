/**
 * Where a model runs. `'cpu'` always works; `'cuda'` needs onnxruntime-node's CUDA execution
 * provider (see docs/cuda.md) and fails loudly without it; `'auto'` uses CUDA when its provider
 * loads and the CPU otherwise (the model reports which one ran).
 */
export type Device = 'cpu' | 'cuda' | 'auto';

/**
 * An onnxruntime execution provider this project uses: what a session actually runs on
 * (`'cpu'`, `'cuda'` with onnxruntime-node; `'wasm'`, `'webgpu'` with onnxruntime-web in a browser).
 */
export type ExecutionProvider = 'cpu' | 'cuda' | 'wasm' | 'webgpu';

/** How a {@link Device} maps onto execution providers. */
export interface DevicePlan {
  /** Providers to try, most preferred first; the first one that starts is used. */
  readonly candidates: readonly ExecutionProvider[];
  /** Whether failing to start a candidate is an error (true) or a reason to try the next (false). */
  readonly strict: boolean;
}

/**
 * The device table. `cuda` is strict: a user who asked for the GPU must learn that it is not used,
 * never get a silent CPU fallback. `auto` is the one device that may fall back.
 */
const DEVICE_PLANS: Readonly<Record<Device, DevicePlan>> = {
  cpu: { candidates: ['cpu'], strict: true },
  cuda: { candidates: ['cuda'], strict: true },
  auto: { candidates: ['cuda', 'cpu'], strict: false },
};

/** Every supported device name, in the order they are listed in errors and help texts. */
export const DEVICES: readonly Device[] = Object.keys(DEVICE_PLANS) as Device[];

/** Checks a device name from user input; an unknown name is a RangeError that lists the valid ones. */
export function parseDevice(value: string): Device {
  if (typeof value === 'string' && Object.hasOwn(DEVICE_PLANS, value)) return value as Device;
  throw new RangeError(
    `device: expected one of ${DEVICES.map((d) => `'${d}'`).join(', ')}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`,
  );
}

/** The providers to try for `device` and whether a failure is final. */
export function devicePlan(device: Device): DevicePlan {
  return DEVICE_PLANS[parseDevice(device)];
}

/** The onnxruntime execution providers to request for a device, most preferred first. */
export function executionProviders(device: Device): string[] {
  return [...devicePlan(device).candidates];
}

/**
 * Where to read about enabling CUDA; quoted in every CUDA error. The commands are the ones
 * onnxruntime-node's install script reads (`ONNXRUNTIME_NODE_INSTALL`, see its script/install.js).
 */
export const CUDA_HELP =
  'install the CUDA execution provider: put the CUDA 12 and cuDNN 9 libraries on LD_LIBRARY_PATH, then ' +
  "fetch onnxruntime-node's CUDA provider with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` " +
  '(pnpm: `ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node`, with onnxruntime-node allowed to build), ' +
  "or use device 'auto' to fall back to the CPU; see " +
  'https://github.com/tokenset-js/tokenset-node/blob/main/docs/cuda.md';
