/**
 * Recognition accuracy of OCR lines: exact-line matches and character accuracy
 * (`1 − edit distance / length`), per line and over a set (pooled: `1 − Σ distance / Σ length`).
 * @module
 */
import { editDistance } from "./edit_distance.ts";
import { normalizeText } from "./normalize_text.ts";

/** Options for {@link textAccuracy} and {@link lineAccuracy}. */
export interface TextAccuracyOptions {
  /**
   * Compare {@link normalizeText} forms (NFKC, collapsed whitespace) instead of the raw strings.
   * @default true
   */
  normalize?: boolean;
  /**
   * Remove every space before comparing, as PaddleOCR's `RecMetric` does by default (`ignore_space`).
   * @default false
   */
  ignoreSpaces?: boolean;
}

/** Accuracy of one line against its truth. */
export interface LineAccuracy {
  /** True when the (normalized) strings are equal. */
  exact: boolean;
  /** Edit distance in code points. */
  distance: number;
  /** Length of the truth in code points. */
  length: number;
  /** `max(0, 1 − distance / length)`; for an empty truth, 1 when the prediction is empty too, else 0. */
  charAccuracy: number;
}

/**
 * Compares one predicted line with its truth.
 *
 * @example
 * ```ts
 * const a = lineAccuracy("Tota1: 42.50", "Total: 42.50");
 * if (a.exact || a.distance !== 1 || Math.abs(a.charAccuracy - 11 / 12) > 1e-12) throw new Error();
 * ```
 */
export function lineAccuracy(predicted: string, truth: string, options: TextAccuracyOptions = {}): LineAccuracy {
  const p = comparable(predicted, options);
  const t = comparable(truth, options);
  const distance = editDistance(p, t);
  const length = Array.from(t).length;
  const charAccuracy = length === 0 ? (distance === 0 ? 1 : 0) : Math.max(0, 1 - distance / length);
  return { exact: p === t, distance, length, charAccuracy };
}

function comparable(text: string, options: TextAccuracyOptions): string {
  const normalized = options.normalize ?? true ? normalizeText(text) : text;
  return options.ignoreSpaces ? normalized.replace(/\s/gu, "") : normalized;
}

/** Accuracy of a set of lines. */
export interface TextAccuracy {
  /** Number of lines. */
  lines: number;
  /** Lines read exactly. */
  exactLines: number;
  /** `exactLines / lines` (1 for no lines). */
  exactRate: number;
  /** Pooled `max(0, 1 − Σ distance / Σ length)` (1 when there is nothing to read and nothing was read). */
  charAccuracy: number;
  /** Per line, in order. */
  perLine: LineAccuracy[];
}

/**
 * Compares predicted lines with their truths (or a candidate model's readings with a reference
 * model's). Throws `RangeError` when the counts differ.
 *
 * @example
 * ```ts
 * const a = textAccuracy(["Hello", "w0rld"], ["Hello", "world"]);
 * if (a.exactLines !== 1 || Math.abs(a.charAccuracy - 0.9) > 1e-12) throw new Error();
 * ```
 */
export function textAccuracy(
  predicted: readonly string[],
  truth: readonly string[],
  options: TextAccuracyOptions = {},
): TextAccuracy {
  if (predicted.length !== truth.length) {
    throw new RangeError(`Cannot score ${predicted.length} predicted lines against ${truth.length} truths`);
  }
  const perLine = predicted.map((p, i) => lineAccuracy(p, truth[i]!, options));
  const exactLines = perLine.filter((l) => l.exact).length;
  const distance = perLine.reduce((s, l) => s + l.distance, 0);
  const length = perLine.reduce((s, l) => s + l.length, 0);
  return {
    lines: perLine.length,
    exactLines,
    exactRate: perLine.length === 0 ? 1 : exactLines / perLine.length,
    charAccuracy: length === 0 ? (distance === 0 ? 1 : 0) : Math.max(0, 1 - distance / length),
    perLine,
  };
}
