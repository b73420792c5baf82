/** Errors of the training package. */

/** A bad training setting or a checkpoint that cannot be resumed; the message says expected vs got. */
export class TrainError extends Error {
  override name = 'TrainError';
}
