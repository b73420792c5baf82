/** The browser's stand-in for `platform.ts`: there are no files beside a checkpoint's bytes. */

import type * as NodePlatform from './platform.js';

export const readTextIfPresent: typeof NodePlatform.readTextIfPresent = async () => undefined;
