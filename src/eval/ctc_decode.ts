/**
 * Greedy CTC decoding of a PP-OCR recognizer's output `[batch, steps, classes]`: argmax per step,
 * collapse repeats, drop the blank (class 0). Class `k ≥ 1` is `keys[k − 1]`; classes past the keys
 * are a space (PaddleOCR's `use_space_char` appends one as the last class).
 * @module
 */
import type { Tensor } from "../graph/tensor.ts";
import { argmaxRows } from "./metrics.ts";

/**
 * The keys of a PaddleOCR character dictionary file (one character a line, e.g. `ppocr_keys_v1.txt`):
 * lines split on `\n`, a trailing `\r` dropped, empty lines dropped.
 *
 * @example
 * ```ts
 * if (ctcKeys("a\r\nb\n\nc\n").join() !== "a,b,c") throw new Error();
 * ```
 */
export function ctcKeys(dictionary: string): string[] {
  return dictionary.split("\n").map((k) => k.endsWith("\r") ? k.slice(0, -1) : k).filter((k) => k.length > 0);
}

/**
 * Decodes every batch row of a recognizer output. Throws `RangeError` unless `probs` is a float32
 * tensor of rank 3.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * // steps: a, a, blank, a, b → "aab"
 * const p = Float32Array.of(0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1);
 * if (ctcDecodeBatch(new Tensor("float32", p, [1, 5, 3]), ["a", "b"])[0] !== "aab") throw new Error();
 * ```
 */
export function ctcDecodeBatch(probs: Tensor, keys: readonly string[]): string[] {
  if (probs.type !== "float32" || probs.dims.length !== 3) {
    throw new RangeError(
      `CTC decoding needs a float32 [batch, steps, classes] tensor, got ${probs.type} [${probs.dims}]`,
    );
  }
  const [batch, steps, classes] = probs.dims as [number, number, number];
  const best = argmaxRows(probs.data as Float32Array, classes);
  const out: string[] = [];
  for (let b = 0; b < batch; b++) {
    let text = "";
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      const k = best[b * steps + t]!;
      if (k !== 0 && k !== previous) text += k - 1 < keys.length ? keys[k - 1] : " ";
      previous = k;
    }
    out.push(text);
  }
  return out;
}

/**
 * Decodes a single-line recognizer output `[1, steps, classes]`. Throws `RangeError` for a batch
 * other than 1 (use {@link ctcDecodeBatch}).
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * // steps: b, blank, space → "b "
 * const p = Float32Array.of(0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1);
 * if (ctcDecode(new Tensor("float32", p, [1, 3, 4]), ["a", "b"]) !== "b ") throw new Error();
 * ```
 */
export function ctcDecode(probs: Tensor, keys: readonly string[]): string {
  if (probs.dims[0] !== 1) throw new RangeError(`ctcDecode() reads one line, got a batch of [${probs.dims}]`);
  return ctcDecodeBatch(probs, keys)[0]!;
}
