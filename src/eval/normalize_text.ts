/**
 * Text normalization before OCR strings are compared: Unicode NFKC (full-width `（`, `：`, `１` become
 * ASCII `(`, `:`, `1`; the Chinese PP-OCR dictionary holds both forms and the model may pick either),
 * whitespace runs collapsed to one space, and the ends trimmed.
 * @module
 */

/**
 * The comparable form of an OCR string.
 *
 * @example
 * ```ts
 * if (normalizeText(" (c）bitloop  ：１ ") !== "(c)bitloop :1") throw new Error();
 * ```
 */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").replace(/\s+/gu, " ").trim();
}
