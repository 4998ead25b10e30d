/**
 * Scalar reference for the fused activations, in float32 steps (`Math.fround` after each operation) in
 * the same order as `kernels/src/activation.rs`, so piecewise-linear activations match the kernels
 * exactly. Sigmoid, swish and tanh use `Math.exp`/`Math.tanh` (the kernels use a float32 polynomial: within
 * a few ulp).
 * @module
 */
import { type Activation, encodeActivation } from "../activation.ts";

const f = Math.fround;
const SIXTH = f(1 / 6);

function clamp(y: number, lo: number, hi: number): number {
  const t = y < lo ? lo : y;
  return hi < t ? hi : t;
}

/**
 * Applies an activation to one float32 value, returning a float32 value.
 *
 * @example
 * ```ts
 * if (applyActivationRef(-2, "relu") !== 0 || applyActivationRef(7, "relu6") !== 6) throw new Error("ref");
 * ```
 */
export function applyActivationRef(y: number, activation: Activation = "none"): number {
  const { code, p0, p1 } = encodeActivation(activation);
  switch (code) {
    case 1:
      return y < 0 ? 0 : y;
    case 2:
      return clamp(y, 0, 6);
    case 3:
      return clamp(y, f(p0), f(p1));
    case 4:
      return clamp(f(f(f(p0) * y) + f(p1)), 0, 1);
    case 5:
      return f(y * clamp(f(f(y * SIXTH) + 0.5), 0, 1));
    case 6:
      return f(1 / (1 + Math.exp(-y)));
    case 7:
      return f(Math.tanh(y));
    case 8:
      return y < 0 ? f(f(p0) * y) : y;
    case 9:
      return f(f(f(y * clamp(f(f(y * SIXTH) + 0.5), 0, 1)) * f(p0)) + f(p1));
    case 10:
      return f(y * f(1 / (1 + Math.exp(-y))));
    default:
      return y;
  }
}
