export { cudaProviderInstalled, ModelSession } from './backend.js';
export type { Device, DevicePlan, ExecutionProvider } from './device.js';
export { CUDA_HELP, DEVICES, devicePlan, executionProviders, parseDevice } from './device.js';
export { DeviceError, RuntimeError } from './errors.js';
export type { HostTensor, HostTensorType } from './host-tensor.js';
export { checkHostTensor, describeTensors } from './host-tensor.js';
export type { CeilingOptions } from './matmul-ceiling.js';
export { matmulCeilingGflops } from './matmul-ceiling.js';
export type { SessionOptions } from './session.js';
