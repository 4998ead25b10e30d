/**
 * A copy of `bytes[start, end)` in an ArrayBuffer of its own, offset 0 — what typed-array views of file
 * data need. `Uint8Array.prototype.slice` is not enough: Node's and Bun's `Buffer` (what `readFileSync`
 * returns) overrides `slice` to return a view of the same memory, so `buf.slice(a, b).buffer` is the whole
 * file (or a shared pool), and a Float32Array made from it reads the wrong bytes.
 *
 * @example
 * ```ts
 * const file = Uint8Array.of(1, 2, 3, 4, 5, 6);
 * const part = freshBytes(file, 2);
 * if (part.byteOffset !== 0 || part.buffer.byteLength !== 4 || part[0] !== 3) throw new Error("copy");
 * ```
 */
export function freshBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.max(0, end - start));
  out.set(bytes.subarray(start, end));
  return out;
}
