/**
 * MaxPool and AveragePool over 1, 2 or 3 spatial axes. Both share the window logic: per axis and output
 * index, the range of kernel taps that land inside the input (so the inner loops carry no bounds
 * checks) and, for `count_include_pad`, how many taps the padded input covers — clipped at the end
 * padding as onnxruntime clips it in `ceil_mode`.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import type { Node } from "../../../graph/graph.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";
import { AUTO_PAD_VALUES, resolveWindow, toThreeAxes, type Window } from "./_window.ts";

/** Per output index along one axis: valid kernel taps `[lo, hi)` and the tap count over the padded input. */
export interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  padded: Int32Array;
  stride: number;
  dilation: number;
  padBegin: number;
}

/**
 * The taps of one axis of `n` inputs pooled to `out` outputs by a `k`-wide window (stride `s`, dilation
 * `d`, padding `padBegin`/`padEnd`). Shared with the float32 fast path (src/runtime/fast/f32_pool_ops.ts).
 *
 * @example
 * ```ts
 * const t = axisTaps(4, 2, 3, 2, 1, 1, 0); // windows start at -1 and 1
 * if (t.lo[0] !== 1 || t.hi[1] !== 3 || t.padded[1] !== 3) throw new Error("taps");
 * ```
 */
export function axisTaps(
  n: number,
  out: number,
  k: number,
  s: number,
  d: number,
  padBegin: number,
  padEnd: number,
): AxisTaps {
  const lo = new Int32Array(out), hi = new Int32Array(out), padded = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * s - padBegin;
    const first = start >= 0 ? 0 : Math.ceil(-start / d);
    lo[o] = Math.min(first, k);
    hi[o] = Math.max(lo[o]!, Math.min(k, Math.floor((n - 1 - start) / d) + 1));
    padded[o] = 1 + Math.floor((Math.min(start + k * d, n + padEnd) - start - 1) / d);
  }
  return { lo, hi, padded, stride: s, dilation: d, padBegin };
}

/** The three axes' taps of a resolved window (leading neutral axes for 1-D and 2-D). */
function windowTaps(inShape: readonly number[], win: Window): { taps: AxisTaps[]; dims: number[] } {
  const dims = toThreeAxes(inShape, 1), out = toThreeAxes(win.outShape, 1), k = toThreeAxes(win.kernel, 1);
  const s = toThreeAxes(win.strides, 1), d = toThreeAxes(win.dilations, 1);
  const pb = toThreeAxes(win.padsBegin, 0), pe = toThreeAxes(win.padsEnd, 0);
  return { taps: [0, 1, 2].map((a) => axisTaps(dims[a]!, out[a]!, k[a]!, s[a]!, d[a]!, pb[a]!, pe[a]!)), dims };
}

type PoolData = Float32Array | Float64Array | Int8Array | Uint8Array;

const LOWEST: Record<string, number> = {
  float32: -3.4028234663852886e38,
  float64: -Number.MAX_VALUE,
  int8: -128,
  uint8: 0,
};

function prepare(x: Tensor, attrs: Attrs, op: string, types: readonly string[]): Window {
  if (!types.includes(x.type)) throw new TypeError(`${op} supports ${types.join(", ")}; got ${x.type}`);
  const spatial = x.dims.length - 2;
  const kernel = attrs.ints("kernel_shape") ?? [];
  if (spatial < 1 || spatial > 3 || kernel.length !== spatial) {
    throw new RangeError(
      `${op} needs an input of rank ${kernel.length + 2} (kernel_shape [${kernel}]); got [${x.dims}]`,
    );
  }
  return resolveWindow(x.dims.slice(2), kernel, attrs, {
    ceilMode: attrs.int("ceil_mode", 0) !== 0,
    sameFromUndilatedKernel: true,
  });
}

/** Max pooling; returns the pooled tensor and, when asked, the flat int64 indices of the maxima. */
export function maxPool(x: Tensor, attrs: Attrs, withIndices: boolean): Tensor[] {
  const win = prepare(x, attrs, "MaxPool", ["float32", "float64", "int8", "uint8"]);
  const { taps, dims } = windowTaps(x.dims.slice(2), win);
  const [tD, tH, tW] = taps as [AxisTaps, AxisTaps, AxisTaps];
  const [, inH, inW] = dims as [number, number, number];
  const inPlane = dims[0]! * inH * inW, outD = tD.lo.length, outH = tH.lo.length, outW = tW.lo.length;
  const planes = x.dims[0]! * x.dims[1]!;
  const xd = x.data as PoolData;
  const out = allocate(x.type, planes * outD * outH * outW) as PoolData;
  const indices = withIndices ? new BigInt64Array(out.length) : undefined;
  const lowest = LOWEST[x.type]!;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * inPlane;
    for (let od = 0; od < outD; od++) {
      const d0 = od * tD.stride - tD.padBegin;
      for (let oh = 0; oh < outH; oh++) {
        const h0 = oh * tH.stride - tH.padBegin;
        for (let ow = 0; ow < outW; ow++, o++) {
          const w0 = ow * tW.stride - tW.padBegin;
          let best = lowest, at = -1;
          for (let kd = tD.lo[od]!; kd < tD.hi[od]!; kd++) {
            const id = d0 + kd * tD.dilation;
            for (let kh = tH.lo[oh]!; kh < tH.hi[oh]!; kh++) {
              const row = (id * inH + h0 + kh * tH.dilation) * inW + w0;
              for (let kw = tW.lo[ow]!; kw < tW.hi[ow]!; kw++) {
                const i = row + kw * tW.dilation, v = xd[base + i]!;
                if (at < 0 || v > best) {
                  best = v;
                  at = i;
                }
              }
            }
          }
          out[o] = best;
          if (indices) indices[o] = BigInt(at < 0 ? -1 : base + at);
        }
      }
    }
  }
  const shape = [x.dims[0]!, x.dims[1]!, ...win.outShape];
  const y = new Tensor(x.type, out, shape);
  return indices ? [y, new Tensor("int64", indices, shape)] : [y];
}

/** Average pooling, accumulating in float64. */
export function averagePool(x: Tensor, attrs: Attrs): Tensor {
  const win = prepare(x, attrs, "AveragePool", ["float32", "float64"]);
  const includePad = attrs.int("count_include_pad", 0) !== 0;
  const { taps, dims } = windowTaps(x.dims.slice(2), win);
  const [tD, tH, tW] = taps as [AxisTaps, AxisTaps, AxisTaps];
  const [, inH, inW] = dims as [number, number, number];
  const inPlane = dims[0]! * inH * inW, outD = tD.lo.length, outH = tH.lo.length, outW = tW.lo.length;
  const planes = x.dims[0]! * x.dims[1]!;
  const xd = x.data as Float32Array | Float64Array;
  const out = allocate(x.type, planes * outD * outH * outW) as Float32Array | Float64Array;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * inPlane;
    for (let od = 0; od < outD; od++) {
      const d0 = od * tD.stride - tD.padBegin;
      for (let oh = 0; oh < outH; oh++) {
        const h0 = oh * tH.stride - tH.padBegin;
        for (let ow = 0; ow < outW; ow++, o++) {
          const w0 = ow * tW.stride - tW.padBegin;
          let sum = 0;
          for (let kd = tD.lo[od]!; kd < tD.hi[od]!; kd++) {
            const id = d0 + kd * tD.dilation;
            for (let kh = tH.lo[oh]!; kh < tH.hi[oh]!; kh++) {
              const row = base + (id * inH + h0 + kh * tH.dilation) * inW + w0;
              for (let kw = tW.lo[ow]!; kw < tW.hi[ow]!; kw++) sum += xd[row + kw * tW.dilation]!;
            }
          }
          const valid = (tD.hi[od]! - tD.lo[od]!) * (tH.hi[oh]! - tH.lo[oh]!) * (tW.hi[ow]! - tW.lo[ow]!);
          const count = includePad ? tD.padded[od]! * tH.padded[oh]! * tW.padded[ow]! : valid;
          out[o] = valid === 0 ? 0 : sum / count;
        }
      }
    }
  }
  return new Tensor(x.type, out, [x.dims[0]!, x.dims[1]!, ...win.outShape]);
}

const WINDOW_ATTRIBUTES = {
  auto_pad: { kind: "string", values: AUTO_PAD_VALUES },
  ceil_mode: { kind: "int", values: [0, 1] },
  dilations: { kind: "ints" },
  kernel_shape: { kind: "ints" },
  pads: { kind: "ints" },
  strides: { kind: "ints" },
} as const;

function checkKernel(node: Node): string | undefined {
  const k = node.attributes["kernel_shape"];
  if (k?.kind !== "ints") return "kernel_shape is required";
  const n = k.value.length;
  return n < 1 || n > 3 ? `kernel_shape has ${n} axes; bitloop supports 1..3` : undefined;
}

/** ONNX MaxPool (opsets 1–22): float32, float64, int8, uint8; row-major `Indices` only. */
export const maxPoolOp: OpDefinition = {
  op: "MaxPool",
  inputs: [1, 1],
  outputs: [1, 2],
  attributes: { ...WINDOW_ATTRIBUTES, storage_order: { kind: "int", values: [0] } },
  check: checkKernel,
  run: ([x], attrs, ctx) => maxPool(x!, attrs, (ctx.node.outputs[1] ?? "") !== ""),
};

/** ONNX AveragePool (opsets 1–22): float32 and float64. */
export const averagePoolOp: OpDefinition = {
  op: "AveragePool",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { ...WINDOW_ATTRIBUTES, count_include_pad: { kind: "int", values: [0, 1] } },
  check: checkKernel,
  run: ([x], attrs) => [averagePool(x!, attrs)],
};
