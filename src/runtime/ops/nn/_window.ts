/**
 * Sliding-window geometry shared by Conv and the pooling ops: resolves kernel, strides, dilations and
 * pads (explicit or `auto_pad`) into per-axis numbers and the output spatial shape, as onnxruntime does.
 * @module
 */
import type { Attrs } from "../../op.ts";

/** Resolved geometry of one sliding-window node, one entry per spatial axis. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  /** Output spatial shape. */
  outShape: number[];
}

/** How a family of ops resolves `auto_pad` and output sizes. */
export interface WindowOptions {
  /** Round output sizes up (pooling `ceil_mode=1`). @default false */
  ceilMode?: boolean;
  /**
   * SAME padding computed from the undilated kernel (onnxruntime's pooling) instead of the dilated one (Conv).
   * @default false
   */
  sameFromUndilatedKernel?: boolean;
}

/** The `auto_pad` values every windowed op accepts. */
export const AUTO_PAD_VALUES: readonly string[] = ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"];

function perAxis(name: string, values: number[] | undefined, rank: number, fallback: number): number[] {
  if (values === undefined || values.length === 0) return new Array<number>(rank).fill(fallback);
  if (values.length !== rank) {
    throw new RangeError(`Attribute "${name}" has ${values.length} values; the input has ${rank} spatial axes`);
  }
  return values;
}

/**
 * Resolves the geometry of a windowed op over the spatial shape `inShape` with the given `kernel`
 * (from `kernel_shape` or the weight). Throws RangeError for inconsistent attributes.
 */
export function resolveWindow(
  inShape: readonly number[],
  kernel: readonly number[],
  attrs: Attrs,
  options: WindowOptions = {},
): Window {
  const rank = inShape.length;
  if (kernel.length !== rank) {
    throw new RangeError(`Kernel has ${kernel.length} spatial axes; the input has ${rank}`);
  }
  const strides = perAxis("strides", attrs.ints("strides"), rank, 1);
  const dilations = perAxis("dilations", attrs.ints("dilations"), rank, 1);
  const pads = perAxis("pads", attrs.ints("pads"), 2 * rank, 0);
  const autoPad = attrs.string("auto_pad", "NOTSET");
  const padsBegin = pads.slice(0, rank);
  const padsEnd = pads.slice(rank);
  const outShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const k = kernel[i]!, s = strides[i]!, d = dilations[i]!, n = inShape[i]!;
    if (k < 1 || s < 1 || d < 1) throw new RangeError(`Kernel, strides and dilations must be ≥ 1 (axis ${i})`);
    const span = (k - 1) * d + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const target = Math.ceil(n / s);
      const needed = Math.max(0, (target - 1) * s + (options.sameFromUndilatedKernel ? k : span) - n);
      const head = autoPad === "SAME_LOWER" ? (needed + 1) >> 1 : needed >> 1;
      padsBegin[i] = head;
      padsEnd[i] = needed - head;
    } else if (autoPad === "VALID") {
      padsBegin[i] = 0;
      padsEnd[i] = 0;
    }
    const room = n + padsBegin[i]! + padsEnd[i]! - span;
    let out = options.ceilMode ? Math.ceil(room / s) + 1 : Math.floor(room / s) + 1;
    // In ceil mode a last window that would start inside the end padding is dropped.
    if (options.ceilMode && (out - 1) * s >= n + padsBegin[i]!) out--;
    if (room < 0 || out < 1) {
      throw new RangeError(
        `Input size ${n} on spatial axis ${i} is too small for a window of ${span} with pads ${padsBegin[i]}+${
          padsEnd[i]
        }`,
      );
    }
    outShape.push(out);
  }
  return { kernel: [...kernel], strides, dilations, padsBegin, padsEnd, outShape };
}

/** Pads a spatial geometry to three axes (depth, height, width) by prepending neutral axes. */
export function toThreeAxes(values: readonly number[], neutral: number): [number, number, number] {
  const v = [...new Array<number>(3 - values.length).fill(neutral), ...values];
  return [v[0]!, v[1]!, v[2]!];
}
