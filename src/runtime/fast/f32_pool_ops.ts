/**
 * Fast paths for float32 NCHW pooling and resizing: GlobalAveragePool, 2-D MaxPool (one output) and
 * AveragePool without dilation, and nearest Resize of the two spatial axes. Each computes exactly what
 * the reference kernel computes (same taps, same float64 sums in the same order, same index maps) in
 * tight monomorphic loops; other dtypes, ranks and forms run the reference kernel.
 *
 * With the wasm kernels loaded (a SIMD build), 2-D MaxPool and AveragePool calls of at least
 * {@link WASM_POOL_MIN_OUTPUTS} outputs run in `kernels/src/f32_pool.rs` (whole windows four outputs per
 * vector, each lane its own window with the same taps in the same order; borders scalar), with these loops'
 * bits on every build (tests/kernels/f32_pool.test.ts). Measured (one process, interleaved, medians of 25
 * rounds; copies and geometry included; time ratio wasm / TypeScript, SIMD128 build): cls's MaxPool
 * [1,200,2,96] 0.41 under Deno, 0.61 under Bun; rec's AveragePool [1,480,3,80] 0.29 / 0.49; 40–640 outputs
 * 0.35–0.6 under Deno, 0.63–0.89 under Bun; 4–32 outputs 0.5–0.7 under Deno but 1.05–1.6 under Bun (hence the
 * threshold). The scalar build is slower than these loops above ~600 outputs (1.1–1.9×), so it keeps them.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Kernels, Pool2dGeometry } from "../../kernels/kernels.ts";
import { nearestMaps } from "../ops/nn/_resize_kernels.ts";
import { type AxisTaps, axisTaps } from "../ops/nn/pool.ts";
import { resolveWindow } from "../ops/nn/_window.ts";
import { resizePlan } from "../ops/nn/resize.ts";
import type { Attrs, KernelContext, OpDefinition } from "../op.ts";

const LOWEST_F32 = -3.4028234663852886e38;

/** Fewest outputs a 2-D pooling call sends to the wasm kernels: below it the copies cost more. */
export const WASM_POOL_MIN_OUTPUTS = 64;

/**
 * Fewest input values a GlobalAveragePool sends to the wasm kernel (`f32_plane_means.rs`, the same bits):
 * below it the copy in costs more than the vector sums save.
 */
export const WASM_GLOBAL_POOL_MIN_INPUTS = 1024;

/**
 * Each plane's mean, its float64 sum taken in the reference's order: in wasm (SIMD builds) for inputs of at
 * least {@link WASM_GLOBAL_POOL_MIN_INPUTS} values (cls 0.94-0.98×, rec 0.98× whole-model, Deno), else here
 * four planes at a time, so four independent sums hide the add latency (1.15-1.2× faster on det's 96×80×80
 * map) without changing any of them.
 */
function globalAveragePoolF32(x: Tensor, kernels?: Kernels): Tensor {
  const [n, c] = x.dims as [number, number];
  const planes = n * c, plane = planes === 0 ? 0 : x.size / planes;
  const xd = x.data as Float32Array;
  const out = allocateForOverwrite("float32", planes) as Float32Array;
  const dims = [n, c, ...x.dims.slice(2).map(() => 1)];
  if (kernels && kernels.variant !== "scalar" && plane > 0 && x.size >= WASM_GLOBAL_POOL_MIN_INPUTS) {
    return new Tensor("float32", kernels.globalAveragePoolF32(xd, planes, out), dims);
  }
  let p = 0;
  for (; p + 4 <= planes; p += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = p * plane, end = i + plane; i < end; i++) {
      s0 += xd[i]!;
      s1 += xd[i + plane]!;
      s2 += xd[i + 2 * plane]!;
      s3 += xd[i + 3 * plane]!;
    }
    out[p] = s0 / plane;
    out[p + 1] = s1 / plane;
    out[p + 2] = s2 / plane;
    out[p + 3] = s3 / plane;
  }
  for (let i = p * plane; p < planes; p++) {
    let sum = 0;
    const end = i + plane;
    for (; i < end; i++) sum += xd[i]!;
    out[p] = sum / plane;
  }
  return new Tensor("float32", out, dims);
}

/**
 * The wasm kernels' geometry of a 2-D MaxPool / AveragePool (attributes `attrs`) of an NCHW input of shape
 * `dims`, or undefined when the node is another form (not rank 4, not 2-D, dilated).
 *
 * @example
 * ```ts
 * import { Attrs } from "../op.ts";
 * import { pool2dGeometry } from "./f32_pool_ops.ts";
 * const attrs = new Attrs({ kernel_shape: { kind: "ints", value: [2, 2] }, strides: { kind: "ints", value: [2, 2] } });
 * const g = pool2dGeometry([1, 200, 2, 96], attrs);
 * if (g?.oh !== 1 || g.ow !== 48 || g.planes !== 200) throw new Error("geometry");
 * ```
 */
export function pool2dGeometry(dims: readonly number[], attrs: Attrs): Required<Pool2dGeometry> | undefined {
  if (dims.length !== 4) return undefined;
  const kernel = attrs.ints("kernel_shape") ?? [];
  if (kernel.length !== 2 || attrs.ints("dilations", [1, 1]).some((d) => d !== 1)) return undefined;
  const win = resolveWindow(dims.slice(2), kernel, attrs, {
    ceilMode: attrs.int("ceil_mode", 0) !== 0,
    sameFromUndilatedKernel: true,
  });
  const [n, c, h, w] = dims as [number, number, number, number];
  const [oh, ow] = win.outShape as [number, number];
  const [kh, kw] = kernel as [number, number];
  return {
    planes: n * c,
    h,
    w,
    oh,
    ow,
    kh,
    kw,
    sh: win.strides[0]!,
    sw: win.strides[1]!,
    ph: win.padsBegin[0]!,
    pw: win.padsBegin[1]!,
    padEndH: win.padsEnd[0]!,
    padEndW: win.padsEnd[1]!,
  };
}

/** 2-D MaxPool / AveragePool of a float32 NCHW tensor, or undefined when the node is another form. */
function pool2d(max: boolean, x: Tensor, attrs: Attrs, kernels: Kernels | undefined): Tensor | undefined {
  if (x.type !== "float32") return undefined;
  const k = pool2dGeometry(x.dims, attrs);
  if (k === undefined) return undefined;
  const { planes, h, w, oh, ow, kh, kw } = k;
  const [n, c] = x.dims as [number, number];
  const xd = x.data as Float32Array;
  const out = allocateForOverwrite("float32", planes * oh * ow) as Float32Array;
  const includePad = attrs.int("count_include_pad", 0) !== 0;
  if (kernels !== undefined && wasmPays(kernels, k)) {
    kernels.pool2dF32(max ? { op: "max" } : { op: "average", includePad }, xd, k, out);
    return new Tensor("float32", out, [n, c, oh, ow]);
  }
  const geometry: PoolGeometry = {
    planes: n * c,
    h,
    w,
    th: axisTaps(h, oh, kh, k.sh, 1, k.ph, k.padEndH),
    tw: axisTaps(w, ow, kw, k.sw, 1, k.pw, k.padEndW),
    sh: k.sh,
    sw: k.sw,
    ph: k.ph,
    pw: k.pw,
  };
  if (max && kh === 2 && kw === 2 && fullWindows(geometry, 2, 2)) maxPool2x2(xd, out, geometry);
  else if (max) maxPool2d(xd, out, geometry);
  else averagePool2d(xd, out, geometry, includePad);
  return new Tensor("float32", out, [n, c, oh, ow]);
}

/** True when the wasm kernel is expected to beat the TypeScript loops on `g` (see the module docs). */
function wasmPays(kernels: Kernels, g: Required<Pool2dGeometry>): boolean {
  return kernels.variant !== "scalar" && g.planes * g.oh * g.ow >= WASM_POOL_MIN_OUTPUTS && g.oh > 0 && g.ow > 0;
}

/** Where a 2-D pooling window reads: planes of `h × w`, per-axis taps, strides and leading pads. */
interface PoolGeometry {
  planes: number;
  h: number;
  w: number;
  th: AxisTaps;
  tw: AxisTaps;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** True when every window of `g` covers all `kh × kw` taps (no padding reaches it). */
function fullWindows(g: PoolGeometry, kh: number, kw: number): boolean {
  const full = (t: AxisTaps, k: number) => t.lo.every((v) => v === 0) && t.hi.every((v) => v === k);
  return full(g.th, kh) && full(g.tw, kw);
}

/**
 * 2×2 max pooling where every window is whole (PP-OCR cls's MaxPool): the taps written out, 3× faster
 * under V8 than {@link maxPool2d}'s per-output bounds on real data. Same first-tap rule.
 */
function maxPool2x2(xd: Float32Array, out: Float32Array, g: PoolGeometry): void {
  const { planes, h, w, sh, sw } = g;
  const oh = g.th.lo.length, ow = g.tw.lo.length;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < oh; y++) {
      const r0 = p * h * w + y * sh * w;
      for (let xx = 0, c = r0; xx < ow; xx++, o++, c += sw) {
        let best = xd[c]!, v = xd[c + 1]!;
        if (v > best) best = v;
        v = xd[c + w]!;
        if (v > best) best = v;
        v = xd[c + w + 1]!;
        if (v > best) best = v;
        out[o] = best;
      }
    }
  }
}

/**
 * Max over each window's taps. The reference takes the first tap unconditionally and then any larger
 * one (so a NaN first tap wins, later NaNs lose); starting from the first tap gives the same result
 * without its per-tap "first yet?" test, which made this loop ~3× slower under V8.
 */
function maxPool2d(xd: Float32Array, out: Float32Array, g: PoolGeometry): void {
  // Every field in a local: V8 reloaded them from `g` inside the loops (~2× slower).
  const { planes, h, w, sh, sw, ph, pw } = g;
  const hLo = g.th.lo, hHi = g.th.hi, wLo = g.tw.lo, wHi = g.tw.hi;
  const oh = hLo.length, ow = wLo.length;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < oh; y++) {
      const hlo = hLo[y]!, hhi = hHi[y]!, h0 = base + (y * sh - ph) * w;
      for (let xx = 0; xx < ow; xx++, o++) {
        const wlo = wLo[xx]!, whi = wHi[xx]!, w0 = xx * sw - pw;
        if (hlo >= hhi || wlo >= whi) {
          out[o] = LOWEST_F32;
          continue;
        }
        const first = h0 + hlo * w + w0 + wlo, width = whi - wlo;
        let best = xd[first]!;
        // Windows 2 and 3 wide (the usual pooling kernels) unrolled: a variable-length inner loop per
        // row cost more than the compares.
        if (width === 2) {
          for (let a = hlo, row = first; a < hhi; a++, row += w) {
            const v0 = xd[row]!, v1 = xd[row + 1]!;
            if (v0 > best) best = v0;
            if (v1 > best) best = v1;
          }
        } else if (width === 3) {
          for (let a = hlo, row = first; a < hhi; a++, row += w) {
            const v0 = xd[row]!, v1 = xd[row + 1]!, v2 = xd[row + 2]!;
            if (v0 > best) best = v0;
            if (v1 > best) best = v1;
            if (v2 > best) best = v2;
          }
        } else {
          for (let a = hlo, row = first; a < hhi; a++, row += w) {
            for (let e = 0; e < width; e++) {
              const v = xd[row + e]!;
              if (v > best) best = v;
            }
          }
        }
        out[o] = best;
      }
    }
  }
}

/** Mean of each window's taps, summed in float64 in the reference's order. */
function averagePool2d(xd: Float32Array, out: Float32Array, g: PoolGeometry, includePad: boolean): void {
  const { planes, h, w, sh, sw, ph, pw } = g;
  const hLo = g.th.lo, hHi = g.th.hi, hPadded = g.th.padded, wLo = g.tw.lo, wHi = g.tw.hi, wPadded = g.tw.padded;
  const oh = hLo.length, ow = wLo.length;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < oh; y++) {
      const hlo = hLo[y]!, hhi = hHi[y]!, h0 = base + (y * sh - ph) * w;
      for (let xx = 0; xx < ow; xx++, o++) {
        const wlo = wLo[xx]!, whi = wHi[xx]!, w0 = xx * sw - pw;
        const width = whi - wlo;
        let sum = 0;
        if (width === 2) {
          for (let a = hlo, row = h0 + hlo * w + w0 + wlo; a < hhi; a++, row += w) sum = sum + xd[row]! + xd[row + 1]!;
        } else if (width === 3) {
          for (let a = hlo, row = h0 + hlo * w + w0 + wlo; a < hhi; a++, row += w) {
            sum = sum + xd[row]! + xd[row + 1]! + xd[row + 2]!;
          }
        } else if (width > 0) {
          for (let a = hlo, row = h0 + hlo * w + w0 + wlo; a < hhi; a++, row += w) {
            for (let e = 0; e < width; e++) sum += xd[row + e]!;
          }
        }
        const valid = (hhi - hlo) * width;
        const count = includePad ? hPadded[y]! * wPadded[xx]! : valid;
        out[o] = valid === 0 ? 0 : sum / count;
      }
    }
  }
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
  const out = allocateForOverwrite("float32", n * c * oh * ow) as Float32Array;
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
export function f32PoolOp(node: Node, def: OpDefinition, kernels?: Kernels): OpDefinition | undefined {
  let fast: (inputs: readonly (Tensor | undefined)[], attrs: Attrs, ctx: KernelContext) => Tensor | undefined;
  switch (node.op) {
    case "GlobalAveragePool":
      fast = ([x]) => (x?.type === "float32" && x.dims.length >= 2 ? globalAveragePoolF32(x, kernels) : undefined);
      break;
    case "MaxPool":
      if (node.outputs.length !== 1) return undefined;
      fast = ([x], attrs) => pool2d(true, x!, attrs, kernels);
      break;
    case "AveragePool":
      fast = ([x], attrs) => pool2d(false, x!, attrs, kernels);
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
