/**
 * Levenshtein edit distance between two strings, counted in Unicode code points (not UTF-16 units),
 * the basis of OCR character accuracy.
 * @module
 */

/**
 * The least number of single-character insertions, deletions and substitutions turning `a` into `b`.
 *
 * @example
 * ```ts
 * if (editDistance("kitten", "sitting") !== 3) throw new Error("k→s, e→i, +g");
 * if (editDistance("日本", "日") !== 1) throw new Error("code points, not UTF-16 units");
 * ```
 */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let previous = new Int32Array(y.length + 1);
  let current = new Int32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) previous[j] = j;
  for (let i = 1; i <= x.length; i++) {
    current[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const substitute = previous[j - 1]! + (xi === y[j - 1] ? 0 : 1);
      current[j] = Math.min(substitute, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[y.length]!;
}
