/**
 * The page: Generate (FSDD, class-conditional, with each step's x0 prediction decoded live) and
 * Tokenize (draw or upload a digit, see its token set, decode it in three orders, edit it).
 * `window.tokenset` exposes the same actions to the browser test.
 */

import { configureWebRuntime, webRuntimeInfo } from '@tokenset/runtime/web';
import { countsFromTokens } from '@tokenset/set-codec';
import { canvasRgb, drawHistogram, figure, rgbCanvas } from './canvas.js';
import { loadModels, type PageModels } from './models.js';
import { type GenerateResult, generateDigits, tokenOrders } from './pipeline.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

configureWebRuntime({ wasmPaths: new URL('./ort/', location.href).href });

// Offline: a service worker keeps every file of the page (models too) once it has been loaded.
if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  navigator.serviceWorker.register('./sw.js').catch(() => undefined);
}

function setStatus(fraction: number, message: string): void {
  ($('progress') as HTMLProgressElement).value = fraction;
  $('status').textContent = message;
}

function showBackend(): void {
  const info = webRuntimeInfo();
  if (info === undefined) return;
  $('backend').textContent =
    info.executionProvider === 'webgpu'
      ? 'WebGPU'
      : `WebAssembly, ${info.threads} thread${info.threads === 1 ? '' : 's'}${info.crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}`;
}

// Tabs.
for (const name of ['generate', 'tokenize']) {
  $(`tab-${name}`).addEventListener('click', () => {
    for (const other of ['generate', 'tokenize']) {
      $(other).hidden = other !== name;
      $(`tab-${other}`).classList.toggle('active', other === name);
    }
  });
}
for (const id of ['class', 'class2']) {
  const select = $<HTMLSelectElement>(id);
  for (let d = 0; d <= 9; d++) select.add(new Option(String(d), String(d)));
}
$<HTMLSelectElement>('class2').value = '7';

const ready: Promise<PageModels> = loadModels(new URL('./models/', location.href), setStatus).then(
  (models) => {
    showBackend();
    setStatus(
      1,
      `ready: tokenizer ${models.tokenizer.setSize} tokens over ${models.tokenizer.codebookSize} codes, generator with ${models.generator.numClasses} classes`,
    );
    for (const id of ['run', 'encode']) $<HTMLButtonElement>(id).disabled = false;
    return models;
  },
);
ready.catch((error: unknown) => setStatus(0, `could not load the models: ${String(error)}`));

// ---- Generate ----

let running: AbortController | undefined;

interface GenerateSettings {
  labels: number[];
  seed: number;
  guidance: string | number;
  steps: number;
}

async function generate(settings: GenerateSettings): Promise<GenerateResult & { meanStepMs: number }> {
  const { tokenizer, generator } = await ready;
  const size = tokenizer.imageSize;
  const perImage = size * size * 3;
  running = new AbortController();
  $<HTMLButtonElement>('run').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  const live = $('live');
  live.replaceChildren(
    ...settings.labels.map((label) => figure(rgbCanvas(new Uint8Array(perImage), size), `class ${label}`)),
  );
  $('grid').replaceChildren();
  try {
    const result = await generateDigits(generator, tokenizer, {
      ...settings,
      signal: running.signal,
      onStep: async ({ step, steps, x0Images, stepMs }) => {
        live.querySelectorAll('canvas').forEach((canvas, i) => {
          rgbCanvas(x0Images.subarray(i * perImage, (i + 1) * perImage), size, canvas);
        });
        $('step-info').textContent =
          `step ${step + 1}/${steps}: x0 prediction · ${stepMs.toFixed(0)} ms for this step`;
        await new Promise(requestAnimationFrame);
      },
    });
    const grid = $('grid');
    settings.labels.forEach((label, i) => {
      const canvas = rgbCanvas(result.images.subarray(i * perImage, (i + 1) * perImage), size);
      canvas.dataset.label = String(label);
      grid.append(figure(canvas, `class ${label}`));
    });
    // The first step also compiles kernels: the mean leaves it out when there are more.
    const timed = result.stepMs.length > 1 ? result.stepMs.slice(1) : result.stepMs;
    const meanStepMs = timed.reduce((a, b) => a + b, 0) / timed.length;
    $('step-info').textContent =
      `${settings.steps} steps, ${meanStepMs.toFixed(1)} ms per step (batch of ${settings.labels.length}, ${settings.steps > 1 ? 'first step left out' : 'one step'})`;
    showBackend();
    return { ...result, meanStepMs };
  } finally {
    running = undefined;
    $<HTMLButtonElement>('run').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

function formSettings(): GenerateSettings {
  const perClass = Math.max(1, Math.min(16, Number($<HTMLInputElement>('per-class').value) || 1));
  const classes = [Number($<HTMLSelectElement>('class').value), Number($<HTMLSelectElement>('class2').value)];
  const guidanceText = $<HTMLInputElement>('guidance').value.trim();
  return {
    labels: classes.flatMap((c) => Array.from({ length: perClass }, () => c)),
    seed: Number($<HTMLInputElement>('seed').value) || 0,
    guidance: /^[0-9.]+$/.test(guidanceText) ? Number(guidanceText) : guidanceText,
    steps: Math.max(1, Number($<HTMLInputElement>('steps').value) || 25),
  };
}

/** Shows settings given by code (the browser test) in the form, so that screenshots say what ran. */
function showSettings(settings: GenerateSettings): void {
  const classes = [...new Set(settings.labels)];
  $<HTMLSelectElement>('class').value = String(classes[0]);
  $<HTMLSelectElement>('class2').value = String(classes[1] ?? classes[0]);
  $<HTMLInputElement>('per-class').value = String(settings.labels.filter((l) => l === classes[0]).length);
  $<HTMLInputElement>('seed').value = String(settings.seed);
  $<HTMLInputElement>('guidance').value = String(settings.guidance);
  $<HTMLInputElement>('steps').value = String(settings.steps);
}

$('run').addEventListener('click', () => {
  generate(formSettings()).catch((error: unknown) => {
    $('step-info').textContent = String(error);
  });
});
$('stop').addEventListener('click', () => running?.abort(new Error('stopped')));

// ---- Tokenize ----

const pad = $<HTMLCanvasElement>('pad');
const padCtx = pad.getContext('2d')!;
function clearPad(): void {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
}
clearPad();
let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  padCtx.beginPath();
  padCtx.moveTo(e.offsetX, e.offsetY);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  padCtx.strokeStyle = '#fff';
  padCtx.lineWidth = 18;
  padCtx.lineCap = 'round';
  padCtx.lineJoin = 'round';
  padCtx.lineTo(e.offsetX, e.offsetY);
  padCtx.stroke();
});
for (const type of ['pointerup', 'pointerleave']) pad.addEventListener(type, () => (drawing = false));
$('clear').addEventListener('click', clearPad);
$<HTMLInputElement>('upload').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file === undefined) return;
  const bitmap = await createImageBitmap(file);
  clearPad();
  padCtx.drawImage(bitmap, 0, 0, pad.width, pad.height);
});

let tokens: number[] = [];

function showSet(setSize: number, codebookSize: number): void {
  drawHistogram(
    $<HTMLCanvasElement>('histogram'),
    countsFromTokens(Int32Array.from(tokens), codebookSize),
    tokens.length,
  );
  const distinct = new Set(tokens).size;
  $('set-info').textContent =
    `${tokens.length} tokens, ${distinct} distinct codes` +
    (tokens.length === setSize
      ? ''
      : ` — a set of exactly ${setSize} tokens decodes: ${tokens.length < setSize ? 'add' : 'remove'} one`);
  $('chips').replaceChildren(
    ...tokens.map((token, i) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.textContent = String(token);
      chip.title = 'remove this token';
      chip.addEventListener('click', () => {
        tokens.splice(i, 1);
        showSet(setSize, codebookSize);
      });
      return chip;
    }),
  );
  $<HTMLButtonElement>('decode').disabled = tokens.length !== setSize;
  $<HTMLButtonElement>('add').disabled = tokens.length >= setSize;
}

async function decodeOrders(): Promise<{ differing: number; maxDiff: number }> {
  const { tokenizer } = await ready;
  const size = tokenizer.imageSize;
  const orders = tokenOrders(Int32Array.from(tokens));
  const images = await tokenizer.decode(
    Int32Array.from([...orders.original, ...orders.reversed, ...orders.shuffled]),
  );
  const perImage = size * size * 3;
  const pictures = [0, 1, 2].map((i) => images.subarray(i * perImage, (i + 1) * perImage));
  let differing = 0;
  let maxDiff = 0;
  for (const p of pictures.slice(1)) {
    p.forEach((v, j) => {
      const d = Math.abs(v - pictures[0][j]);
      if (d > 0) differing++;
      maxDiff = Math.max(maxDiff, d);
    });
  }
  $('orders').replaceChildren(
    ...['original order', 'reversed', 'shuffled'].map((caption, i) =>
      figure(rgbCanvas(pictures[i], size), caption),
    ),
  );
  const info = $('orders-info');
  // The decoder is order-invariant; in float32 only the order of the attention sums could change a
  // byte, and SetTokenizer sorts each set before decoding (decodeOrder 'sorted'), so it does not.
  info.className = maxDiff <= 1 ? 'ok' : 'bad';
  info.textContent =
    maxDiff === 0
      ? 'identical pictures: the decoder sees a set, not a sequence'
      : maxDiff <= 1
        ? `the same picture: ${differing} of ${2 * perImage} values differ by 1/255 (float rounding of the sums in another order)`
        : `the pictures differ by up to ${maxDiff}/255 (they should not)`;
  return { differing, maxDiff };
}

async function encodeRgb(rgb: Uint8Array): Promise<number[]> {
  const { tokenizer } = await ready;
  rgbCanvas(rgb, tokenizer.imageSize, $<HTMLCanvasElement>('input32'));
  tokens = [...(await tokenizer.encode(rgb))];
  showSet(tokenizer.setSize, tokenizer.codebookSize);
  await decodeOrders();
  return tokens;
}

$('encode').addEventListener('click', async () => {
  const { tokenizer } = await ready;
  await encodeRgb(canvasRgb(pad, tokenizer.imageSize));
});
$('add').addEventListener('click', async () => {
  const { tokenizer } = await ready;
  const token = Number($<HTMLInputElement>('add-token').value);
  if (!Number.isInteger(token) || token < 0 || token >= tokenizer.codebookSize) return;
  tokens.push(token);
  showSet(tokenizer.setSize, tokenizer.codebookSize);
});
$('decode').addEventListener('click', () => void decodeOrders());

/** What the browser test drives. */
declare global {
  interface Window {
    tokenset: {
      ready: Promise<unknown>;
      generate(
        settings: GenerateSettings,
      ): Promise<{ meanStepMs: number; stepMs: number[]; tokens: number[] }>;
      encode(rgb: number[]): Promise<{ tokens: number[]; orders: { differing: number; maxDiff: number } }>;
      backend(): ReturnType<typeof webRuntimeInfo>;
    };
  }
}

window.tokenset = {
  ready,
  async generate(settings) {
    showSettings(settings);
    const { meanStepMs, stepMs, tokens } = await generate(settings);
    return { meanStepMs, stepMs, tokens: [...tokens] };
  },
  async encode(rgb) {
    const result = await encodeRgb(Uint8Array.from(rgb));
    return { tokens: result, orders: await decodeOrders() };
  },
  backend: webRuntimeInfo,
};
