/** Pictures in and out of canvases: RGB bytes ↔ 32×32 canvases, and the token-count histogram. */

/** A canvas of the image's size showing RGB bytes `[S·S·3]` (scaled up by CSS, pixelated). */
export function rgbCanvas(
  rgb: Uint8Array,
  size: number,
  canvas = document.createElement('canvas'),
): HTMLCanvasElement {
  canvas.width = size;
  canvas.height = size;
  canvas.className = 'digit';
  const rgba = new ImageData(size, size);
  for (let p = 0; p < size * size; p++) {
    rgba.data[4 * p] = rgb[3 * p];
    rgba.data[4 * p + 1] = rgb[3 * p + 1];
    rgba.data[4 * p + 2] = rgb[3 * p + 2];
    rgba.data[4 * p + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
  return canvas;
}

/** The RGB bytes `[S·S·3]` of a canvas, or of any image source drawn into `size`×`size`. */
export function canvasRgb(source: CanvasImageSource, size: number): Uint8Array {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, size, size);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const rgb = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    rgb[3 * p] = rgba[4 * p];
    rgb[3 * p + 1] = rgba[4 * p + 1];
    rgb[3 * p + 2] = rgba[4 * p + 2];
  }
  return rgb;
}

/** A figure: a canvas with a caption under it. */
export function figure(canvas: HTMLCanvasElement, caption: string): HTMLElement {
  const box = document.createElement('span');
  box.className = 'figure';
  const text = document.createElement('span');
  text.className = 'caption';
  text.textContent = caption;
  box.append(canvas, text);
  return box;
}

/** Draws the count of every codebook entry as a bar (the dual transformation's count vector). */
export function drawHistogram(canvas: HTMLCanvasElement, counts: Int32Array, setSize: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const max = Math.max(2, ...counts);
  const bar = width / counts.length;
  ctx.fillStyle = '#888';
  ctx.fillRect(0, height - 16, width, 1);
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    const h = ((height - 30) * counts[i]) / max;
    ctx.fillStyle = counts[i] > 1 ? '#b45309' : '#2563eb';
    ctx.fillRect(i * bar, height - 16 - h, Math.max(1, bar - 0.5), h);
  }
  ctx.fillStyle = '#444';
  ctx.font = '10px sans-serif';
  for (let i = 0; i <= counts.length; i += 16)
    ctx.fillText(String(i), Math.min(i * bar, width - 18), height - 3);
  ctx.fillText(`max count ${max} · ${setSize} tokens`, 4, 11);
}
