/** Where a model runs. `cuda` needs the CUDA execution provider installed (see docs/cuda.md). */
export type Device = 'cpu' | 'cuda';

/** Every supported device name, in the order they are listed in errors and help texts. */
export const DEVICES: readonly Device[] = ['cpu', 'cuda'];

/** Checks a device name from user input; an unknown name is a RangeError that lists the valid ones. */
export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new RangeError(`device: expected one of ${DEVICES.map((d) => `'${d}'`).join(', ')}, got '${value}'`);
}

/** The onnxruntime execution providers to request for a device, most preferred first. */
export function executionProviders(device: Device): string[] {
  // No silent CPU fallback for CUDA: a user who asked for the GPU must learn that it is not used.
  return device === 'cuda' ? ['cuda'] : ['cpu'];
}

/** Where to read about enabling CUDA; quoted in every CUDA error. */
export const CUDA_HELP =
  'install the CUDA execution provider: CUDA 12 and cuDNN 9 libraries on LD_LIBRARY_PATH, then ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 npx -y pnpm@12.4.2 rebuild onnxruntime-node` with ' +
  '`allowBuilds: { onnxruntime-node: true }` in pnpm-workspace.yaml (see docs/cuda.md)';
