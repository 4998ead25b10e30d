/**
 * ArgMax and ArgMin: the int64 index of the largest (smallest) element along `axis` (default 0), with
 * `keepdims` (default 1) and `select_last_index` (opset 12; default 0 picks the first of equal values).
 * @module
 */
import { isBigIntDType } from "../../../graph/dtype.ts";
import { Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { type NumArray, NUMERIC, required, requireDType } from "./_dtypes.ts";

function definition(op: "ArgMax" | "ArgMin"): OpDefinition {
  const sign = op === "ArgMax" ? 1 : -1;
  return {
    op,
    inputs: [1, 1],
    outputs: [1, 1],
    attributes: {
      axis: { kind: "int" },
      keepdims: { kind: "int", values: [0, 1] },
      select_last_index: { kind: "int", values: [0, 1] },
    },
    run: ([input], attrs) => {
      const x = required(op, input, 0);
      requireDType(op, "input", x, NUMERIC);
      const dims = x.dims;
      let axis: number;
      try {
        axis = normalizeAxis(attrs.int("axis", 0), dims.length);
      } catch (cause) {
        throw new RangeError(`${op}: axis ${attrs.int("axis", 0)} is out of range for rank ${dims.length}`, { cause });
      }
      const last = attrs.int("select_last_index", 0) === 1;
      const data: ArrayLike<number> = isBigIntDType(x.type) ? toNumbers(x) : (x.data as NumArray);
      let outer = 1, inner = 1;
      for (let d = 0; d < axis; d++) outer *= dims[d]!;
      for (let d = axis + 1; d < dims.length; d++) inner *= dims[d]!;
      const n = dims[axis]!;
      if (n === 0) throw new RangeError(`${op}: axis ${axis} has size 0`);
      const out = new BigInt64Array(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let s = 0; s < inner; s++) {
          const base = o * n * inner + s;
          let best = sign * data[base]!, at = 0;
          for (let i = 1, p = base + inner; i < n; i++, p += inner) {
            const v = sign * data[p]!;
            if (v > best || (last && v === best)) {
              best = v;
              at = i;
            }
          }
          out[o * inner + s] = BigInt(at);
        }
      }
      const keep = attrs.int("keepdims", 1) === 1;
      const outDims = keep ? dims.map((d, i) => (i === axis ? 1 : d)) : dims.filter((_, i) => i !== axis);
      return [new Tensor("int64", out, outDims)];
    },
  };
}

/** Definitions of ArgMax and ArgMin. */
export const ARG_REDUCE_OPS: readonly OpDefinition[] = [definition("ArgMax"), definition("ArgMin")];
