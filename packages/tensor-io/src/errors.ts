/** A NumPy `.npy`/`.npz` file is malformed or uses a feature this package does not read. */
export class NpyError extends Error {
  override name = 'NpyError';
}

/**
 * A checkpoint (a `torch.save` file) is malformed, truncated, uses a feature this package does not
 * read, or was closed. Reading a checkpoint never executes anything: a surprise in the file ends here.
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}
