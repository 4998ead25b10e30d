/**
 * A channel `Concat` of rank-4 float32 maps, some of them nearest `Resize` outputs it alone reads (DBNet's
 * head joins the four pyramid levels upsampled to one size): each fused input is upsampled straight into
 * its channel slice of the output through the Resize's index maps (`_nearest_upsample.ts`), the others
 * copied, so the upsampled maps are never written on their own and copied again. Copies only: the same bits
 * as the Resizes then the Concat. A call of another form materializes the Resizes and runs the Concat's
 * own kernel.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { OpDefinition } from "../op.ts";
import type { FusedResize, UpsampleMaps } from "./_nearest_upsample.ts";

/** Writes the nearest upsampling of the `c` planes of `h × w` at `small[from]` to `out[to]`. */
function upsampleInto(
  out: Float32Array,
  to: number,
  small: Float32Array,
  from: number,
  [c, h, w]: readonly [number, number, number],
  m: UpsampleMaps,
) {
  const { rows, cols, repeat } = m;
  const oh = rows.length, ow = cols.length;
  for (let p = 0; p < c; p++) {
    const src = from + p * h * w;
    for (let y = 0, d = to + p * oh * ow; y < oh; y++, d += ow) {
      if (y > 0 && rows[y] === rows[y - 1]) {
        out.copyWithin(d, d - ow, d);
        continue;
      }
      const r = src + rows[y]! * w;
      if (repeat === 2) {
        for (let j = 0, i = d; j < w; j++, i += 2) {
          const v = small[r + j]!;
          out[i] = v;
          out[i + 1] = v;
        }
      } else {
        for (let j = 0; j < ow; j++) out[d + j] = small[r + cols[j]!]!;
      }
    }
  }
}

/**
 * The fused op for Concat `node`: `ups[i]` is the Resize fused into input `i` (which passes its small input
 * through), undefined for a plain input. `fallback` is the Concat's own kernel.
 */
export function f32UpsampleConcatOp(
  node: Node,
  fallback: OpDefinition,
  ups: readonly (FusedResize | undefined)[],
): OpDefinition {
  if (node.op !== "Concat" || ups.length !== node.inputs.length) {
    throw new TypeError(`f32UpsampleConcatOp: node "${node.name}" (${node.op}) needs one entry per input`);
  }
  return {
    ...fallback,
    run: (inputs, attrs, ctx) => {
      const maps = inputs.map((t, i) => (t && ups[i] ? ups[i].maps(t, ctx.opset) : undefined));
      const dims = inputs.map((t, i) => maps[i]?.outDims ?? t?.dims);
      const first = dims[0];
      const axis = attrs.int("axis", 0);
      const fits = first?.length === 4 && (axis === 1 || axis === -3) &&
        inputs.every((t, i) =>
          t?.type === "float32" && (ups[i] === undefined || maps[i] !== undefined) &&
          dims[i]!.length === 4 && dims[i]!.every((d, k) => k === 1 || d === first[k])
        );
      if (!fits) {
        const full = inputs.map((t, i) => (t && ups[i] ? ups[i].materialize(t, ctx) : t));
        return fallback.run(full, attrs, ctx);
      }
      const [n, , oh, ow] = first as [number, number, number, number];
      const plane = oh * ow;
      const total = dims.reduce((sum, d) => sum + d![1]!, 0);
      const out = allocateForOverwrite("float32", n * total * plane) as Float32Array;
      for (let b = 0, to = 0; b < n; b++) {
        inputs.forEach((t, i) => {
          const c = dims[i]![1]!, data = t!.data as Float32Array, m = maps[i];
          if (m) {
            const [, , h, w] = t!.dims as [number, number, number, number];
            upsampleInto(out, to, data, b * c * h * w, [c, h, w], m);
          } else out.set(data.subarray(b * c * plane, (b + 1) * c * plane), to);
          to += c * plane;
        });
      }
      return [new Tensor("float32", out, [n, total, oh, ow])];
    },
  };
}
