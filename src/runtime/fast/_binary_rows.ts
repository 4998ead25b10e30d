/**
 * The float32 Add/Sub/Mul/Div loops the elementwise fast paths share: one monomorphic loop per operator,
 * each the reference kernel's operation (a double-precision result rounded once to float32).
 * @module
 */

/** Operator codes of the four binary ops. */
export const BINARY = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;
/** One of {@link BINARY}'s codes. */
export type BinaryCode = (typeof BINARY)[keyof typeof BINARY];

/** `o[oi + j] = a[ai + j] ∘ b[bi + j]` for `j < n`. */
export function binaryVV(
  op: BinaryCode,
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  b: Float32Array,
  bi: number,
  n: number,
): void {
  switch (op) {
    case 0:
      for (let j = 0; j < n; j++) o[oi + j] = a[ai + j]! + b[bi + j]!;
      break;
    case 1:
      for (let j = 0; j < n; j++) o[oi + j] = a[ai + j]! - b[bi + j]!;
      break;
    case 2:
      for (let j = 0; j < n; j++) o[oi + j] = a[ai + j]! * b[bi + j]!;
      break;
    default:
      for (let j = 0; j < n; j++) o[oi + j] = a[ai + j]! / b[bi + j]!;
  }
}

/** `o[i] = x[i] ∘ s` (or `s ∘ x[i]` when `scalarFirst`) for `i` in `[start, end)`. */
export function binaryVS(
  op: BinaryCode,
  o: Float32Array,
  x: Float32Array,
  s: number,
  scalarFirst: boolean,
  start: number,
  end: number,
): void {
  switch (op) {
    case 0:
      for (let i = start; i < end; i++) o[i] = x[i]! + s;
      break;
    case 1:
      if (scalarFirst) { for (let i = start; i < end; i++) o[i] = s - x[i]!; }
      else for (let i = start; i < end; i++) o[i] = x[i]! - s;
      break;
    case 2:
      for (let i = start; i < end; i++) o[i] = x[i]! * s;
      break;
    default:
      if (scalarFirst) { for (let i = start; i < end; i++) o[i] = s / x[i]!; }
      else for (let i = start; i < end; i++) o[i] = x[i]! / s;
  }
}
