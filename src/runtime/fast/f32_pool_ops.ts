/**
 * Fast paths for float32 NCHW pooling and resizing: GlobalAveragePool, 2-D MaxPool (one output) and
 * AveragePool without dilation, and nearest Resize of the two spatial axes. Each computes exactly what
 * the reference kernel computes (same taps, same float64 sums in the same order, same index maps) in
 * tight monomorphic loops; other dtypes, ranks and forms run the reference kernel.
 * @module
 */
import { allocate } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import { nearestMaps } from "../ops/nn/_resize_kernels.ts";
import { axisTaps } from "../ops/nn/pool.ts";
import { resolveWindow } from "../ops/nn/_window.ts";
import { resizePlan } from "../ops/nn/resize.ts";
import type { Attrs, KernelContext, OpDefinition } from "../op.ts";

const LOWEST_F32 = -3.4028234663852886e38;

function globalAveragePoolF32(x: Tensor): Tensor {
  const [n, c] = x.dims as [number, number];
  const planes = n * c, plane = planes === 0 ? 0 : x.size / planes;
  const xd = x.data as Float32Array;
  const out = allocate("float32", planes) as Float32Array;
  for (let p = 0, i = 0; p < planes; p++) {
    let sum = 0;
    const end = i + plane;
    for (; i < end; i++) sum += xd[i]!;
    out[p] = sum / plane;
  }
  return new Tensor("float32", out, [n, c, ...x.dims.slice(2).map(() => 1)]);
}

/** 2-D MaxPool / AveragePool of a float32 NCHW tensor, or undefined when the node is another form. */
function pool2d(max: boolean, x: Tensor, attrs: Attrs): Tensor | undefined {
  if (x.type !== "float32" || x.dims.length !== 4) return undefined;
  const kernel = attrs.ints("kernel_shape") ?? [];
  if (kernel.length !== 2 || attrs.ints("dilations", [1, 1]).some((d) => d !== 1)) return undefined;
  const win = resolveWindow(x.dims.slice(2), kernel, attrs, {
    ceilMode: attrs.int("ceil_mode", 0) !== 0,
    sameFromUndilatedKernel: true,
  });
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const [oh, ow] = win.outShape as [number, number];
  const [kh, kw] = kernel as [number, number];
  const th = axisTaps(h, oh, kh, win.strides[0]!, 1, win.padsBegin[0]!, win.padsEnd[0]!);
  const tw = axisTaps(w, ow, kw, win.strides[1]!, 1, win.padsBegin[1]!, win.padsEnd[1]!);
  const [sh, sw, ph, pw] = [win.strides[0]!, win.strides[1]!, win.padsBegin[0]!, win.padsBegin[1]!];
  const includePad = attrs.int("count_include_pad", 0) !== 0;
  const xd = x.data as Float32Array;
  const out = allocate("float32", n * c * oh * ow) as Float32Array;
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let y = 0; y < oh; y++) {
      const h0 = y * sh - ph, hlo = th.lo[y]!, hhi = th.hi[y]!;
      for (let xx = 0; xx < ow; xx++, o++) {
        const w0 = xx * sw - pw, wlo = tw.lo[xx]!, whi = tw.hi[xx]!;
        if (max) {
          let best = LOWEST_F32, any = false;
          for (let a = hlo; a < hhi; a++) {
            const row = base + (h0 + a) * w + w0;
            for (let e = wlo; e < whi; e++) {
              const v = xd[row + e]!;
              if (!any || v > best) {
                best = v;
                any = true;
              }
            }
          }
          out[o] = best;
        } else {
          let sum = 0;
          for (let a = hlo; a < hhi; a++) {
            const row = base + (h0 + a) * w + w0;
            for (let e = wlo; e < whi; e++) sum += xd[row + e]!;
          }
          const valid = (hhi - hlo) * (whi - wlo);
          const count = includePad ? th.padded[y]! * tw.padded[xx]! : valid;
          out[o] = valid === 0 ? 0 : sum / count;
        }
      }
    }
  }
  return new Tensor("float32", out, [n, c, oh, ow]);
}

/** Nearest resize of the two spatial axes of a float32 NCHW tensor, or undefined for other forms. */
function resizeNearestF32(inputs: readonly (Tensor | undefined)[], attrs: Attrs, ctx: KernelContext) {
  const x = inputs[0]!;
  if (x.type !== "float32" || x.dims.length !== 4) return undefined;
  const plan = resizePlan(inputs, attrs, ctx.node.op, ctx.opset);
  if (plan.mode !== "nearest" || plan.outDims[0] !== x.dims[0] || plan.outDims[1] !== x.dims[1]) return undefined;
  if (plan.outDims.every((d, i) => d === x.dims[i])) return x;
  const maps = nearestMaps(x.dims, plan);
  const [, , my, mx] = maps as [Int32Array, Int32Array, Int32Array, Int32Array];
  if (my.some((v) => v < 0) || mx.some((v) => v < 0)) return undefined;
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const [oh, ow] = [plan.outDims[2]!, plan.outDims[3]!];
  const xd = x.data as Float32Array;
  const out = allocate("float32", n * c * oh * ow) as Float32Array;
  for (let p = 0; p < n * c; p++) {
    const src = p * h * w, dst = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      const d = dst + y * ow;
      if (y > 0 && my[y] === my[y - 1]) {
        out.copyWithin(d, d - ow, d);
        continue;
      }
      const row = src + my[y]! * w;
      for (let xx = 0; xx < ow; xx++) out[d + xx] = xd[row + mx[xx]!]!;
    }
  }
  return new Tensor("float32", out, plan.outDims);
}

/** The fast pooling/resize op for `node` (falling back to `def` per call), or undefined for other ops. */
export function f32PoolOp(node: Node, def: OpDefinition): OpDefinition | undefined {
  let fast: (inputs: readonly (Tensor | undefined)[], attrs: Attrs, ctx: KernelContext) => Tensor | undefined;
  switch (node.op) {
    case "GlobalAveragePool":
      fast = ([x]) => (x?.type === "float32" && x.dims.length >= 2 ? globalAveragePoolF32(x) : undefined);
      break;
    case "MaxPool":
      if (node.outputs.length !== 1) return undefined;
      fast = ([x], attrs) => pool2d(true, x!, attrs);
      break;
    case "AveragePool":
      fast = ([x], attrs) => pool2d(false, x!, attrs);
      break;
    case "Resize":
      fast = resizeNearestF32;
      break;
    default:
      return undefined;
  }
  return {
    ...def,
    run: (inputs, attrs, ctx) => {
      const y = inputs[0] ? fast(inputs, attrs, ctx) : undefined;
      return y ? [y] : def.run(inputs, attrs, ctx);
    },
  };
}
