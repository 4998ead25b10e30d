/**
 * Activations the kernels fuse into their epilogue, and their encoding for the wasm exports
 * (code + two float parameters, matching `kernels/src/activation.rs`).
 * @module
 */

/** A fused activation: a name, or an object for the ones with parameters (ONNX semantics). */
export type Activation =
  | "none"
  | "relu"
  | "relu6"
  | "hardswish"
  | "sigmoid"
  | "tanh"
  /** `y · sigmoid(y)` (Swish/SiLU). */
  | "swish"
  | { kind: "clip"; min: number; max: number }
  | { kind: "hardsigmoid"; alpha: number; beta: number }
  | { kind: "leakyrelu"; alpha: number }
  /** HardSwish, then `· scale + shift` (a scalar Mul and Add after it, fused). */
  | { kind: "hardswish"; scale: number; shift: number };

/** Codes of `kernels/src/activation.rs`. */
export const ACTIVATION_CODES = {
  none: 0,
  relu: 1,
  relu6: 2,
  clip: 3,
  hardsigmoid: 4,
  hardswish: 5,
  sigmoid: 6,
  tanh: 7,
  leakyrelu: 8,
  hardswishaffine: 9,
  swish: 10,
} as const;

/** An activation as the exports take it. */
export interface EncodedActivation {
  code: number;
  p0: number;
  p1: number;
}

/**
 * Encodes an activation; throws RangeError for bad parameters (clip with min > max, NaN).
 *
 * @example
 * ```ts
 * const e = encodeActivation({ kind: "clip", min: 0, max: 6 });
 * if (e.code !== 3 || e.p1 !== 6) throw new Error("encoding");
 * ```
 */
export function encodeActivation(activation: Activation = "none"): EncodedActivation {
  if (typeof activation === "string") {
    const code = ACTIVATION_CODES[activation];
    if (code === undefined) throw new RangeError(`Unknown activation "${String(activation)}"`);
    return { code, p0: 0, p1: 0 };
  }
  switch (activation.kind) {
    case "clip":
      if (!(activation.min <= activation.max)) {
        throw new RangeError(`Activation clip: min ${activation.min} must not exceed max ${activation.max}`);
      }
      return { code: ACTIVATION_CODES.clip, p0: activation.min, p1: activation.max };
    case "hardsigmoid":
      if (Number.isNaN(activation.alpha) || Number.isNaN(activation.beta)) {
        throw new RangeError("Activation hardsigmoid: alpha and beta must be numbers");
      }
      return { code: ACTIVATION_CODES.hardsigmoid, p0: activation.alpha, p1: activation.beta };
    case "leakyrelu":
      if (Number.isNaN(activation.alpha)) throw new RangeError("Activation leakyrelu: alpha must be a number");
      return { code: ACTIVATION_CODES.leakyrelu, p0: activation.alpha, p1: 0 };
    case "hardswish":
      if (Number.isNaN(activation.scale) || Number.isNaN(activation.shift)) {
        throw new RangeError("Activation hardswish: scale and shift must be numbers");
      }
      return { code: ACTIVATION_CODES.hardswishaffine, p0: activation.scale, p1: activation.shift };
    default:
      throw new RangeError(`Unknown activation ${JSON.stringify(activation)}`);
  }
}

/** True for activations that are piecewise linear (exactly reproducible in the TypeScript reference). */
export function isPiecewiseLinear(activation: Activation = "none"): boolean {
  return activation !== "sigmoid" && activation !== "tanh" && activation !== "swish";
}
