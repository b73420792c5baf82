/** A model run or session creation failed inside onnxruntime; the message names the inputs involved. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** The requested device is unknown or cannot be used here (e.g. the CUDA libraries are missing). */
export class DeviceError extends Error {
  override name = 'DeviceError';
}
