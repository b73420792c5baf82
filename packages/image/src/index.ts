export { ImageError } from './errors.js';
export {
  encodePng,
  isCompleteImage,
  listImageFiles,
  readRgbImage,
  TEMP_MARKER,
  writeFileAtomic,
  writePng,
} from './files.js';
export type { ImageFormat } from './formats.js';
export { IMAGE_EXTENSIONS, IMAGE_FORMATS, isImageFileName, READABLE_FORMATS_TEXT } from './formats.js';
export type { ListImagesOptions } from './list.js';
export type { AlphaMode, ReadImageOptions } from './read.js';
export type { RgbImage } from './rgb-image.js';
export { batchImage, checkImage } from './rgb-image.js';
