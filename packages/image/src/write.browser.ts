/** The browser's stand-in for `write.ts` (the `browser` condition of package.json's `imports`): files and PNG encoding need Node.js. */

import { needsNode } from './node-only.browser.js';
import type * as NodeWrite from './write.js';

export const TEMP_MARKER: typeof NodeWrite.TEMP_MARKER = '.partial-';
export const writeFileAtomic: typeof NodeWrite.writeFileAtomic = async () => needsNode('writeFileAtomic');
export const encodePng: typeof NodeWrite.encodePng = async () => needsNode('encodePng');
export const writePng: typeof NodeWrite.writePng = async () => needsNode('writePng');
export const isCompleteImage: typeof NodeWrite.isCompleteImage = async () => needsNode('isCompleteImage');
