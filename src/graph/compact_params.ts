/**
 * Compact per-group quantization parameters: an 8-bit scale and an 8-bit zero point per group, so a
 * 4-bit block-32 weight costs `4 + 16/32 = 4.5` bits per weight (fp16 scale and a 4-bit zero point:
 * 4.625). Both are plain bytes; the in-memory record ({@link QuantizedTensor}) keeps the decoded float
 * values, so the runtime never sees the codes.
 *
 * - **Scale, `log8`**: a log-domain code `q` in `0 .. 255` against one float32 reference per tensor,
 *   `scale = ref · 2^(−q/16)` — 16 codes per octave, so any positive scale in `[ref·2^−15.94, ref]` is
 *   kept within ±2.2 % (half a step). The reference is known before fitting (quantize.ts uses
 *   `2·max|w| / (2^bits − 2)`, the largest scale a min-max fit can need), so every group rounds its scale
 *   on its own and the algorithms fit against the stored value. Decoding is exact and engine-independent:
 *   `fround(ref · T[q mod 16] · 2^−⌊q/16⌋)` with `T` the 16 constants below, never `Math.pow`.
 * - **Zero point, `fixed8`**: an unsigned 8-bit fixed-point number in code units with `8 − bits`
 *   fraction bits, `zero = z8 / 2^(8−bits)` — the range `0 .. 2^bits − 2^(bits−8)` covers the code range,
 *   at 1/16 of a code step for 4-bit codes (1/32 at 3 bits; integer at 8 bits).
 * @module
 */

/** `2^(−k/16)` for k = 0..15, correctly rounded doubles (decimal literals parse the same everywhere). */
const STEPS = [
  1.0,
  0.9576032806985737,
  0.9170040432046712,
  0.8781260801866497,
  0.8408964152537145,
  0.8052451659746271,
  0.7711054127039704,
  0.7384130729697497,
  0.7071067811865476,
  0.6771277734684463,
  0.6484197773255048,
  0.620928906036742,
  0.5946035575013605,
  0.5693943173783458,
  0.5452538663326288,
  0.5221368912137069,
] as const;

/** Log8 scale codes per octave (the `16` of `2^(−q/16)`). */
export const LOG8_STEPS_PER_OCTAVE = 16;

/**
 * The float32 scale of log8 code `q` (0..255) against reference `ref`: `fround(ref · 2^(−q/16))`,
 * bit-identical on every JavaScript engine.
 *
 * @example
 * ```ts
 * if (log8Scale(2, 16) !== 1 || log8Scale(2, 0) !== 2) throw new Error("one octave per 16 codes");
 * ```
 */
export function log8Scale(ref: number, q: number): number {
  // Multiplying by a power of two is exact (ref is a normal float32 far from the double range's ends).
  return Math.fround(ref * STEPS[q & 15]! * 2 ** -(q >> 4));
}

/**
 * The log8 code (0..255) whose scale is nearest to `scale` in ratio, clamped to the code range; a scale
 * that is not positive and finite gets code 255 (the smallest).
 *
 * @example
 * ```ts
 * if (log8Code(2, 1) !== 16 || log8Code(2, 5) !== 0 || log8Code(2, 0) !== 255) throw new Error("codes");
 * ```
 */
export function log8Code(ref: number, scale: number): number {
  if (!(scale > 0 && scale < Infinity)) return 255;
  const q = Math.round(-LOG8_STEPS_PER_OCTAVE * Math.log2(scale / ref));
  return q <= 0 ? 0 : q > 255 ? 255 : q;
}

/**
 * The log8 code of `scale` when `scale` is exactly a log8 value against `ref`, else -1 (a record whose
 * scales were not rounded for log8 storage).
 */
export function exactLog8Code(ref: number, scale: number): number {
  const q = log8Code(ref, scale);
  // An exact value sits a whole step from the rounding midpoints; the neighbours only guard an ulp of log2.
  for (const c of [q, q - 1, q + 1]) if (c >= 0 && c <= 255 && log8Scale(ref, c) === scale) return c;
  return -1;
}

/**
 * The scale reference quantize.ts uses for `bits`-bit codes of a tensor whose largest magnitude is
 * `absmax`: `fround(2·absmax / (2^bits − 2))`, at least the largest scale a min-max fit of any group can
 * need (a symmetric group `absmax / (2^(bits−1) − 1)`, an asymmetric one `(max − min) / (2^bits − 1)`);
 * 1 for an all-zero tensor.
 */
export function log8Reference(absmax: number, bits: number): number {
  const ref = Math.fround((2 * absmax) / ((1 << bits) - 2));
  return ref > 1e-30 && ref < 1e30 ? ref : 1;
}

/** Fixed8 zero-point units per code step at `bits` bits: `2^(8 − bits)`. */
export function fixed8Units(bits: number): number {
  return 1 << (8 - bits);
}

/**
 * The fixed8 zero point nearest `zero` (code units) at `bits` bits, clamped to `0 .. 255 / 2^(8−bits)`;
 * 0 for a non-finite value.
 *
 * @example
 * ```ts
 * if (roundFixed8(0.3, 4) !== 0.3125 || roundFixed8(-2, 4) !== 0 || roundFixed8(300.4, 8) !== 255) throw new Error();
 * ```
 */
export function roundFixed8(zero: number, bits: number): number {
  const units = fixed8Units(bits);
  if (!Number.isFinite(zero)) return 0;
  return Math.min(Math.max(Math.round(zero * units), 0), 255) / units;
}

/** The byte of fixed8 zero point `zero` at `bits` bits, or -1 when `zero` is not a fixed8 value. */
export function fixed8Code(zero: number, bits: number): number {
  const z = zero * fixed8Units(bits);
  return Number.isInteger(z) && z >= 0 && z <= 255 ? z : -1;
}
