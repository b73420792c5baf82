// Type-checked in the consumer project (moduleResolution node16 and bundler): the public types as a
// TypeScript user meets them, strictly (the README examples are plain JavaScript).
import { DEMO_SAMPLER } from '@tokenset/demo-models/sampler';
import { DiT1D, type DiT1DLoadOptions } from '@tokenset/dit1d';
import { type InceptionFeatures, InceptionV3 } from '@tokenset/eval';
import { type Denoiser, type SampleResult, sample } from '@tokenset/fsdd';
import { DEVICES, type Device, type ExecutionProvider, ModelSession } from '@tokenset/runtime';
import { countsFromTokens } from '@tokenset/set-codec';
import {
  type NdArray,
  type NdarrayLike,
  readNpy,
  type StridedArray,
  toNdarray,
  viewNpy,
} from '@tokenset/tensor-io';
import { type ImagesInput, SetTokenizer } from '@tokenset/tokenizer';
import ndarray from 'ndarray';

const device: Device = 'auto';
const devices: readonly Device[] = DEVICES;
const options: DiT1DLoadOptions = { device, threads: 1 };
const toy: Denoiser = {
  codebookSize: 4,
  setSize: 2,
  numClasses: 1,
  async probabilities(_counts: Int32Array, t: Float32Array): Promise<Float32Array> {
    return new Float32Array(t.length * 4 * 3).fill(1 / 3);
  },
};
export async function typed(): Promise<void> {
  const result: SampleResult = await sample(toy, { labels: [0], seed: 1, guidance: 'none' });
  await sample(toy, { ...DEMO_SAMPLER, labels: [0], seed: 1 }); // the browser-safe subpath entry
  const counts: Int32Array = countsFromTokens(result.tokens, 4);
  const array: NdArray = await readNpy('x.npy');
  const strided: StridedArray = viewNpy(new Uint8Array(8));
  const view: ndarray.NdArray = toNdarray(array, ndarray);
  const images: ImagesInput = view as NdarrayLike<Uint8Array>;
  const tokenizer: SetTokenizer = await SetTokenizer.load('t.pth', { device });
  const tokens: Int32Array = await tokenizer.encode(images);
  const inception = await InceptionV3.load('i.pth');
  const features: InceptionFeatures = await inception.features(ndarray(new Uint8Array(12), [1, 2, 2, 3]));
  const dit = await DiT1D.load('d.pth', options);
  const provider: ExecutionProvider = dit.executionProvider;
  const session = await ModelSession.create(new Uint8Array(0), { device });
  console.log(devices, counts, strided.strides, tokens, features.n, provider, session.executionProvider);
}
