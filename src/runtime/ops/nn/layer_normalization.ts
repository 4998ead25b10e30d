/**
 * LayerNormalization (opset 17): normalizes over the axes from `axis` to the last, then applies Scale
 * and optional B (broadcast to X). Optional outputs Mean and InvStdDev keep X's leading dims with the
 * normalized ones set to 1. Statistics are computed in float64, two-pass.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { shapeSize, Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";
import { broadcastIndex, normalizeAxis } from "../shape_util.ts";

/** Reads a parameter as one value per normalized element, or per X element when it broadcasts wider. */
function parameter(t: Tensor | undefined, x: Tensor, axis: number, name: string): { v: number[]; perX: boolean } {
  if (!t) return { v: [], perX: false };
  const values = toNumbers(t);
  const normalized = x.dims.slice(axis), lead = t.dims.length - normalized.length;
  const perRow = lead >= 0 ? t.dims.every((d, i) => (i < lead ? d === 1 : d === normalized[i - lead])) : false;
  if (perRow) return { v: values, perX: false };
  try {
    const index = broadcastIndex(t.dims, x.dims);
    return { v: Array.from(index, (i) => values[i]!), perX: true };
  } catch (cause) {
    throw new RangeError(`LayerNormalization ${name} [${t.dims}] does not broadcast to X [${x.dims}]`, { cause });
  }
}

function run(inputs: readonly (Tensor | undefined)[], attrs: Attrs, outputs: number): Tensor[] {
  const [x, scaleT, biasT] = inputs;
  if (x!.type !== "float32" && x!.type !== "float64") {
    throw new TypeError(`LayerNormalization supports float32 and float64; got ${x!.type}`);
  }
  const axis = normalizeAxis(attrs.int("axis", -1), x!.dims.length);
  const inner = shapeSize(x!.dims.slice(axis));
  const rows = inner === 0 ? 0 : x!.size / inner;
  const epsilon = attrs.float("epsilon", 1e-5);
  const scale = parameter(scaleT, x!, axis, "Scale"), bias = parameter(biasT, x!, axis, "B");
  const xd = x!.data as Float32Array | Float64Array;
  const out = allocateForOverwrite(x!.type, x!.size) as Float32Array | Float64Array;
  const means = new Float32Array(rows), invStd = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const start = r * inner;
    let sum = 0;
    for (let j = 0; j < inner; j++) sum += xd[start + j]!;
    const mean = sum / inner;
    let sq = 0;
    for (let j = 0; j < inner; j++) {
      const d = xd[start + j]! - mean;
      sq += d * d;
    }
    const inv = 1 / Math.sqrt(sq / inner + epsilon);
    means[r] = mean;
    invStd[r] = inv;
    for (let j = 0; j < inner; j++) {
      const i = start + j;
      const s = scale.v[scale.perX ? i : j]!;
      const b = biasT ? bias.v[bias.perX ? i : j]! : 0;
      out[i] = (xd[i]! - mean) * inv * s + b;
    }
  }
  const statsShape = x!.dims.map((d, i) => (i < axis ? d : 1));
  const result = [new Tensor(x!.type, out, x!.dims)];
  if (outputs > 1) result.push(new Tensor("float32", means, statsShape));
  if (outputs > 2) result.push(new Tensor("float32", invStd, statsShape));
  return result;
}

/** ONNX LayerNormalization (opset 17+), float32 statistics (`stash_type=1`). */
export const layerNormalization: OpDefinition = {
  op: "LayerNormalization",
  inputs: [2, 3],
  outputs: [1, 3],
  attributes: {
    axis: { kind: "int" },
    epsilon: { kind: "float" },
    stash_type: { kind: "int", values: [1] },
  },
  run: (inputs, attrs, ctx) => run(inputs, attrs, ctx.node.outputs.length),
};
