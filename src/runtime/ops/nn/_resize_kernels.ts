/**
 * Resize kernels: coordinate transformation (in float32 arithmetic, as onnxruntime computes it, so
 * nearest-neighbour picks the same pixels), nearest-neighbour index maps, and separable linear / cubic
 * interpolation one axis at a time in float64.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import { gatherMapped } from "./_gather_mapped.ts";

/** Coordinate transformation modes of Resize. */
export type CoordinateMode =
  | "half_pixel"
  | "half_pixel_symmetric"
  | "pytorch_half_pixel"
  | "align_corners"
  | "asymmetric"
  | "tf_half_pixel_for_nn"
  | "tf_crop_and_resize";

/** Nearest rounding modes; `simple` is the Upsample / Resize-10 rule (ceil when downsampling, else truncate). */
export type NearestMode = "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil" | "simple";

/** Everything the kernels need to resize one tensor. */
export interface ResizePlan {
  mode: "nearest" | "linear" | "cubic";
  coordinateMode: CoordinateMode;
  nearestMode: NearestMode;
  outDims: number[];
  /** Per-axis scale as float32. */
  scales: number[];
  /** Per-axis region of interest (tf_crop_and_resize), normalized start and end. */
  roiStart: number[];
  roiEnd: number[];
  cubicCoeffA: number;
  excludeOutside: boolean;
  extrapolationValue: number;
}

const f = Math.fround;

/** The input coordinate (float32) of output coordinate `x` along one axis. */
export function originalCoordinate(
  mode: CoordinateMode,
  x: number,
  scale: number,
  lenResized: number,
  lenOriginal: number,
  roiStart: number,
  roiEnd: number,
): number {
  switch (mode) {
    case "asymmetric":
      return f(x / scale);
    case "pytorch_half_pixel":
      return lenResized > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case "tf_half_pixel_for_nn":
      return f(f(x + 0.5) / scale);
    case "align_corners":
      return lenResized === 1 ? 0 : f(f(x * (lenOriginal - 1)) / (lenResized - 1));
    case "tf_crop_and_resize":
      return lenResized > 1
        ? f(f(roiStart * (lenOriginal - 1)) + f(f(f(x * f(roiEnd - roiStart)) * (lenOriginal - 1)) / (lenResized - 1)))
        : f(0.5 * f(roiStart + roiEnd) * (lenOriginal - 1));
    case "half_pixel_symmetric": {
      const adjustment = f(lenResized / f(scale * lenOriginal));
      const offset = f(f(lenOriginal / 2) * f(1 - adjustment));
      return f(offset + (x + 0.5) / scale - 0.5);
    }
    case "half_pixel":
      return f(f(f(x + 0.5) / scale) - 0.5);
  }
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

function nearestIndex(mode: NearestMode, x: number, downsampling: boolean): number {
  switch (mode) {
    case "round_prefer_floor":
      return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundHalfAway(x);
    case "round_prefer_ceil":
      return roundHalfAway(x);
    case "floor":
      return Math.floor(x);
    case "ceil":
      return Math.ceil(x);
    case "simple":
      return downsampling ? Math.ceil(x) : Math.trunc(x);
  }
}

function coordinates(plan: ResizePlan, axis: number, inLen: number): Float32Array {
  const outLen = plan.outDims[axis]!, scale = plan.scales[axis]!;
  const coords = new Float32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    coords[o] = originalCoordinate(
      plan.coordinateMode,
      o,
      scale,
      outLen,
      inLen,
      plan.roiStart[axis]!,
      plan.roiEnd[axis]!,
    );
  }
  return coords;
}

function outside(plan: ResizePlan, coord: number, inLen: number): boolean {
  return plan.coordinateMode === "tf_crop_and_resize" && (coord < 0 || coord > inLen - 1);
}

/** Per axis of an input of `dims`: the input index each output index reads (-1: extrapolated). */
export function nearestMaps(dims: readonly number[], plan: ResizePlan): Int32Array[] {
  return dims.map((inLen, axis) => {
    const outLen = plan.outDims[axis]!, scale = plan.scales[axis]!;
    const map = new Int32Array(outLen);
    if (scale === 1) {
      for (let o = 0; o < outLen; o++) map[o] = Math.min(o, inLen - 1);
      return map;
    }
    const coords = coordinates(plan, axis, inLen);
    for (let o = 0; o < outLen; o++) {
      const c = coords[o]!;
      const i = nearestIndex(plan.nearestMode, c, scale < 1);
      map[o] = outside(plan, c, inLen) ? -1 : Math.max(0, Math.min(inLen - 1, i));
    }
    return map;
  });
}

/** Nearest-neighbour resize of any dtype. */
export function resizeNearest(x: Tensor, plan: ResizePlan): Tensor {
  const maps = nearestMaps(x.dims, plan);
  const fill = x.type === "int64" || x.type === "uint64"
    ? BigInt(Math.trunc(plan.extrapolationValue))
    : plan.extrapolationValue;
  return gatherMapped(x, plan.outDims, maps, fill);
}

/** Interpolation taps along one axis: `taps` input indices and weights per output index, plus extrapolation flags. */
interface AxisTaps {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
  extrapolate: Uint8Array;
}

function linearTaps(plan: ResizePlan, axis: number, inLen: number): AxisTaps {
  const outLen = plan.outDims[axis]!;
  const index = new Int32Array(outLen * 2), weight = new Float64Array(outLen * 2), extrapolate = new Uint8Array(outLen);
  const identity = plan.scales[axis] === 1;
  const coords = identity ? Float32Array.from({ length: outLen }, (_, o) => o) : coordinates(plan, axis, inLen);
  for (let o = 0; o < outLen; o++) {
    const c = coords[o]!;
    extrapolate[o] = outside(plan, c, inLen) ? 1 : 0;
    const x = Math.max(0, Math.min(c, inLen - 1));
    const i1 = Math.min(Math.trunc(x), inLen - 1), i2 = Math.min(i1 + 1, inLen - 1);
    const same = i1 === i2;
    index[2 * o] = i1;
    index[2 * o + 1] = i2;
    weight[2 * o] = same ? 0.5 : Math.abs(x - i2);
    weight[2 * o + 1] = same ? 0.5 : Math.abs(x - i1);
  }
  return { taps: 2, index, weight, extrapolate };
}

function cubicTaps(plan: ResizePlan, axis: number, inLen: number): AxisTaps {
  const outLen = plan.outDims[axis]!, a = plan.cubicCoeffA;
  const index = new Int32Array(outLen * 4), weight = new Float64Array(outLen * 4), extrapolate = new Uint8Array(outLen);
  const coords = coordinates(plan, axis, inLen);
  for (let o = 0; o < outLen; o++) {
    const c = coords[o]!, base = Math.floor(c), s = Math.abs(c - base);
    extrapolate[o] = outside(plan, c, inLen) ? 1 : 0;
    const w = [
      ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
      ((a + 2) * s - (a + 3)) * s * s + 1,
      ((a + 2) * (1 - s) - (a + 3)) * (1 - s) * (1 - s) + 1,
      ((a * (2 - s) - 5 * a) * (2 - s) + 8 * a) * (2 - s) - 4 * a,
    ];
    let sum = 0;
    for (let t = 0; t < 4; t++) {
      const i = base - 1 + t;
      if (plan.excludeOutside && (i < 0 || i >= inLen)) w[t] = 0;
      sum += w[t]!;
      index[4 * o + t] = Math.max(0, Math.min(inLen - 1, i));
    }
    for (let t = 0; t < 4; t++) weight[4 * o + t] = plan.excludeOutside ? w[t]! / sum : w[t]!;
  }
  return { taps: 4, index, weight, extrapolate };
}

/** Resamples `src` (shape `dims`) along `axis` with the given taps; returns the new buffer. */
function applyAxis(src: Float64Array, dims: number[], axis: number, t: AxisTaps): Float64Array {
  const outer = dims.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const inLen = dims[axis]!, outLen = t.extrapolate.length;
  const dst = new Float64Array(outer * outLen * inner);
  for (let p = 0; p < outer; p++) {
    for (let o = 0; o < outLen; o++) {
      const d = (p * outLen + o) * inner;
      for (let k = 0; k < t.taps; k++) {
        const w = t.weight[o * t.taps + k]!, s = (p * inLen + t.index[o * t.taps + k]!) * inner;
        for (let j = 0; j < inner; j++) dst[d + j] = dst[d + j]! + w * src[s + j]!;
      }
    }
  }
  return dst;
}

/** Linear or cubic resize of a float tensor, separable over the axes whose size or scale changes. */
export function resizeInterpolated(x: Tensor, plan: ResizePlan): Tensor {
  if (x.type !== "float32" && x.type !== "float64") {
    throw new TypeError(`Resize mode "${plan.mode}" supports float32 and float64; got ${x.type}`);
  }
  let buffer: Float64Array = Float64Array.from(x.data as Float32Array | Float64Array);
  const dims = [...x.dims];
  const flags: (Uint8Array | undefined)[] = [];
  for (let axis = 0; axis < dims.length; axis++) {
    // An unscaled axis is the identity (onnxruntime's cubic still applies the roi of tf_crop_and_resize).
    const identity = plan.scales[axis] === 1 && plan.outDims[axis] === dims[axis] &&
      (plan.mode === "linear" || plan.coordinateMode !== "tf_crop_and_resize");
    if (identity) {
      flags.push(undefined);
      continue;
    }
    const taps = plan.mode === "cubic" ? cubicTaps(plan, axis, dims[axis]!) : linearTaps(plan, axis, dims[axis]!);
    buffer = applyAxis(buffer, dims, axis, taps);
    dims[axis] = plan.outDims[axis]!;
    flags.push(taps.extrapolate);
  }
  const out = allocateForOverwrite(x.type, buffer.length) as Float32Array | Float64Array;
  out.set(buffer);
  if (plan.coordinateMode === "tf_crop_and_resize") extrapolate(out, dims, flags, plan.extrapolationValue);
  return new Tensor(x.type, out, dims);
}

function extrapolate(out: Float32Array | Float64Array, dims: number[], flags: (Uint8Array | undefined)[], v: number) {
  const counter = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    if (flags.some((f, axis) => f !== undefined && f[counter[axis]!] === 1)) out[i] = v;
    for (let axis = dims.length - 1; axis >= 0; axis--) {
      if (++counter[axis]! < dims[axis]!) break;
      counter[axis] = 0;
    }
  }
}
