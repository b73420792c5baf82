/**
 * The output sizes of torch-fidelity's InceptionV3 (`inception-v3-compat`): the one place they are
 * written; everything else (the FID protocol, the command line, the demo) reads them from here.
 */

/** Dimension of the pool features (torch-fidelity's `'2048'`), the features FID uses. */
export const INCEPTION_POOL_DIM = 2048;

/** Number of unbiased logits (torch-fidelity's `'logits_unbiased'`), the Inception Score's input. */
export const INCEPTION_LOGITS_DIM = 1008;
