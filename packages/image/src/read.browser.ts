/** The browser's stand-in for `read.ts` (the `browser` condition of package.json's `imports`): decoding files needs sharp. */

import { needsNode } from './node-only.browser.js';
import type * as NodeRead from './read.js';

export type { AlphaMode, ReadImageOptions } from './read.js';

export const readRgbImage: typeof NodeRead.readRgbImage = async () => needsNode('readRgbImage');
