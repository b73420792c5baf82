/** What the browser stand-ins of this package throw: image files and sharp need Node.js. */
export function needsNode(what: string): never {
  throw new TypeError(
    `${what}: expected Node.js (files, sharp), got a browser; decode images with a canvas there and pass RGB bytes`,
  );
}
