/** The browser's stand-in for `list.ts` (the `browser` condition of package.json's `imports`): there are no folders to list. */

import type * as NodeList from './list.js';
import { needsNode } from './node-only.browser.js';

export type { ListImagesOptions } from './list.js';

export const listImageFiles: typeof NodeList.listImageFiles = async () => needsNode('listImageFiles');
