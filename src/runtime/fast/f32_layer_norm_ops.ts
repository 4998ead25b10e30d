/**
 * Fast paths for the float32 ops of a LayerNorm spelled out in ONNX, as in the SVTR neck of PP-OCR rec
 * (`ReduceMean → Sub → Pow → ReduceMean → Add → Sqrt → Div → Mul → Add`; the Sub/Add/Div/Mul take
 * `f32_elementwise_ops.ts`): `ReduceMean` over the last axis only, `Pow` with a one-element exponent equal
 * to 2, and `Sqrt`. Each computes exactly what its reference kernel computes, so results stay
 * bit-identical:
 * - ReduceMean (`ops/math/reduce.ts`) sums each row in double from 0 in index order, divides the sum by
 *   the row length and rounds once to float32; so does this loop.
 * - Pow (`ops/math/binary.ts`) takes `Math.pow(x, 2)` rounded to float32. For a float32 `x`, `x·x` in
 *   double is exact (48 significant bits), and `pow` is faithful (error below 1 ulp) on both engines, so
 *   it returns that exact value; `x * x` is the same double without the libm call (checked on 75 million
 *   float32 values under Deno and Bun: no difference).
 * - Sqrt is `Math.sqrt`, correctly rounded by IEEE 754 everywhere; the loop is only made monomorphic.
 *
 * Other dtypes, axes and exponents run the reference kernel.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor, toNumbers } from "../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../op.ts";

/** ReduceMean of a float32 tensor over its last axis, or undefined for other forms. */
function reduceMeanLastF32(x: Tensor, axesInput: Tensor | undefined, attrs: Attrs): Tensor | undefined {
  const rank = x.dims.length;
  if (x.type !== "float32" || rank === 0 || x.size === 0) return undefined;
  const axes = axesInput ? toNumbers(axesInput) : attrs.ints("axes");
  if (axes?.length !== 1 || (axes[0] !== -1 && axes[0] !== rank - 1)) return undefined;
  const n = x.dims[rank - 1]!;
  const xd = x.data as Float32Array;
  const rows = xd.length / n;
  const out = allocateForOverwrite("float32", rows) as Float32Array;
  for (let r = 0, i = 0; r < rows; r++) {
    let s = 0;
    const end = i + n;
    for (; i < end; i++) s += xd[i]!;
    out[r] = s / n;
  }
  const outer = x.dims.slice(0, -1);
  return new Tensor("float32", out, attrs.int("keepdims", 1) === 1 ? [...outer, 1] : outer);
}

/** `x²` for a float32 `x` and a one-element exponent equal to 2 (of rank ≤ x's), or undefined. */
function squareF32(x: Tensor, e: Tensor): Tensor | undefined {
  if (x.type !== "float32" || e.size !== 1 || e.dims.length > x.dims.length) return undefined;
  if (e.type !== "float32" && e.type !== "float64" && e.type !== "int32") return undefined;
  if ((e.data as Float32Array | Float64Array | Int32Array)[0] !== 2) return undefined;
  const xd = x.data as Float32Array;
  const o = allocateForOverwrite("float32", xd.length) as Float32Array;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    o[i] = v * v;
  }
  return new Tensor("float32", o, x.dims);
}

function sqrtF32(x: Tensor): Tensor {
  const xd = x.data as Float32Array;
  const o = allocateForOverwrite("float32", xd.length) as Float32Array;
  for (let i = 0; i < xd.length; i++) o[i] = Math.sqrt(xd[i]!);
  return new Tensor("float32", o, x.dims);
}

/**
 * The fast op for a `ReduceMean`, `Pow` or `Sqrt` node (falling back to `def` per call for the forms it
 * does not cover), or undefined for other ops.
 *
 * @example
 * ```ts
 * import { OPS } from "../registry.ts";
 * import { Attrs } from "../op.ts";
 * import { Tensor } from "../../graph/tensor.ts";
 * import { f32LayerNormOp } from "./f32_layer_norm_ops.ts";
 * const node = { op: "ReduceMean", name: "m", inputs: ["x"], outputs: ["y"], attributes: {}, domain: "" };
 * const op = f32LayerNormOp(node, OPS.get("ReduceMean")!)!;
 * const x = new Tensor("float32", new Float32Array([1, 2, 3, 5]), [2, 2]);
 * const attrs = new Attrs({ axes: { kind: "ints", value: [-1] } });
 * const [y] = op.run([x], attrs, { node, opset: 13, runSubgraph: () => [] });
 * if ((y!.data as Float32Array)[1] !== 4) throw new Error("mean");
 * ```
 */
export function f32LayerNormOp(node: Node, def: OpDefinition): OpDefinition | undefined {
  switch (node.op) {
    case "ReduceMean":
      return {
        ...def,
        run: (inputs, attrs, ctx) => {
          const x = inputs[0];
          const fast = x ? reduceMeanLastF32(x, inputs[1], attrs) : undefined;
          return fast ? [fast] : def.run(inputs, attrs, ctx);
        },
      };
    case "Pow":
      return {
        ...def,
        run: (inputs, attrs, ctx) => {
          const [x, e] = inputs;
          const fast = x && e ? squareF32(x, e) : undefined;
          return fast ? [fast] : def.run(inputs, attrs, ctx);
        },
      };
    case "Sqrt":
      return {
        ...def,
        run: (
          inputs,
          attrs,
          ctx,
        ) => (inputs[0]?.type === "float32" ? [sqrtF32(inputs[0])] : def.run(inputs, attrs, ctx)),
      };
    default:
      return undefined;
  }
}
