/**
 * `Add(lateral, Resize(small))` with a nearest Resize read by this Add alone (an FPN's top-down path) in one
 * pass: each output element is `lateral[i] + small[map(i)]`, read through the Resize's index maps
 * (`_nearest_upsample.ts`), so the upsampled map is never written or read back. Float32 addition rounded
 * once, as the reference computes it: the same bits as the Resize then the Add. A lateral operand whose
 * residual-gate sum `x + x·s` its producer left to this Add (`f32_scale_residual_op.ts`: det's FPN levels)
 * is computed in the same pass, rounded to float32 before the add. Calls of another form (other dtypes, a
 * lateral operand that broadcasts) materialize the Resize (and the sum) and run the Add's own kernel.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { OpDefinition } from "../op.ts";
import type { FusedResize, UpsampleMaps } from "./_nearest_upsample.ts";
import { type DeferredResidual, deferredResidual, materializeResidual } from "./f32_scale_residual_op.ts";

/** `o[i] = lat[i] + small[map(i)]` over `planes` planes of `h × w` (small) and `oh × ow` (lat, o). */
function upsampleAdd(o: Float32Array, lat: Float32Array, small: Float32Array, m: UpsampleMaps, h: number, w: number) {
  const { rows, cols, repeat } = m;
  const oh = rows.length, ow = cols.length, planes = o.length / (oh * ow);
  for (let p = 0; p < planes; p++) {
    const src = p * h * w;
    for (let y = 0, d = p * oh * ow; y < oh; y++, d += ow) {
      const r = src + rows[y]! * w;
      if (repeat === 2) {
        for (let j = 0, i = d; j < w; j++, i += 2) {
          const v = small[r + j]!;
          o[i] = lat[i]! + v;
          o[i + 1] = lat[i + 1]! + v;
        }
      } else if (repeat === 1) {
        for (let j = 0; j < w; j++) o[d + j] = lat[d + j]! + small[r + j]!;
      } else {
        for (let j = 0; j < ow; j++) o[d + j] = lat[d + j]! + small[r + cols[j]!]!;
      }
    }
  }
}

/** {@link upsampleAdd} with the lateral operand `x + f32(x · gate)` computed on the way (rounded to float32 first). */
function upsampleAddResidual(
  o: Float32Array,
  d: DeferredResidual,
  small: Float32Array,
  m: UpsampleMaps,
  h: number,
  w: number,
) {
  const { rows, cols, repeat } = m;
  const x = d.x.data as Float32Array, gate = d.gate.data as Float32Array, c = d.x.dims[1]!, [sn, sc] = d.strides;
  const f = Math.fround, oh = rows.length, ow = cols.length, planes = o.length / (oh * ow);
  for (let p = 0; p < planes; p++) {
    const src = p * h * w, v = gate[Math.floor(p / c) * sn + (p % c) * sc]!;
    for (let y = 0, dst = p * oh * ow; y < oh; y++, dst += ow) {
      const r = src + rows[y]! * w;
      if (repeat === 2) {
        for (let j = 0, i = dst; j < w; j++, i += 2) {
          const u = small[r + j]!, x0 = x[i]!, x1 = x[i + 1]!;
          o[i] = f(x0 + f(x0 * v)) + u;
          o[i + 1] = f(x1 + f(x1 * v)) + u;
        }
      } else {
        for (let j = 0; j < ow; j++) {
          const xv = x[dst + j]!;
          o[dst + j] = f(xv + f(xv * v)) + small[r + cols[j]!]!;
        }
      }
    }
  }
}

/**
 * The fused op for Add `node` whose input `upIndex` is the output of `up` (which passes its small input
 * through). `fallback` is the Add's own kernel, run on the materialized Resize when the fused loop does
 * not cover a call. The other operand may be a residual-gate sum its producer deferred to this node
 * (`f32_scale_residual_op.ts`): computed here in the same pass.
 */
export function f32UpsampleAddOp(node: Node, fallback: OpDefinition, up: FusedResize, upIndex: 0 | 1): OpDefinition {
  if (node.op !== "Add" || node.inputs.length !== 2) {
    throw new TypeError(
      `f32UpsampleAddOp: node "${node.name}" is ${node.op} with ${node.inputs.length} inputs, not a binary Add`,
    );
  }
  return {
    ...fallback,
    run: (inputs, attrs, ctx) => {
      const small = inputs[upIndex], lat = inputs[1 - upIndex];
      const deferred = lat && deferredResidual(lat);
      const m = small && lat?.type === "float32" ? up.maps(small, ctx.opset) : undefined;
      if (m && m.outDims.length === lat!.dims.length && m.outDims.every((d, i) => d === lat!.dims[i])) {
        const o = allocateForOverwrite("float32", lat!.size) as Float32Array;
        const [, , h, w] = small!.dims as [number, number, number, number];
        if (o.length === 0) return [new Tensor("float32", o, lat!.dims)];
        if (deferred) upsampleAddResidual(o, deferred, small!.data as Float32Array, m, h, w);
        else upsampleAdd(o, lat!.data as Float32Array, small!.data as Float32Array, m, h, w);
        return [new Tensor("float32", o, lat!.dims)];
      }
      const full = [...inputs];
      if (deferred) full[1 - upIndex] = materializeResidual(deferred);
      if (small) full[upIndex] = up.materialize(small, ctx);
      return fallback.run(full, attrs, ctx);
    },
  };
}
