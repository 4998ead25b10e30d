/**
 * BatchNormalization in inference form: `y = (x − mean)·scale/√(var + ε) + B` per channel, with the
 * per-channel factor and offset folded once in float64. The legacy `spatial=0` form (opsets 7–8), whose
 * statistics cover every non-batch position, is supported too; training mode is rejected at load.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import type { Node } from "../../../graph/graph.ts";
import { Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";

/** Per-channel (or per-position for `spatial=0`) factor and offset: `y = x·factor + offset`. */
export function batchNormAffine(
  scale: Tensor,
  bias: Tensor,
  mean: Tensor,
  variance: Tensor,
  epsilon: number,
): { factor: Float64Array; offset: Float64Array } {
  const s = toNumbers(scale), b = toNumbers(bias), m = toNumbers(mean), v = toNumbers(variance);
  const n = s.length;
  if (b.length !== n || m.length !== n || v.length !== n) {
    throw new RangeError(
      `BatchNormalization parameters differ in size: scale ${n}, B ${b.length}, mean ${m.length}, var ${v.length}`,
    );
  }
  const factor = new Float64Array(n), offset = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    factor[i] = s[i]! / Math.sqrt(v[i]! + epsilon);
    offset[i] = b[i]! - m[i]! * factor[i]!;
  }
  return { factor, offset };
}

function run(inputs: readonly (Tensor | undefined)[], attrs: Attrs): Tensor {
  const [x, scale, bias, mean, variance] = inputs as Tensor[];
  if (x!.type !== "float32" && x!.type !== "float64") {
    throw new TypeError(`BatchNormalization supports float32 and float64; got ${x!.type}`);
  }
  if (x!.dims.length < 2) throw new RangeError(`BatchNormalization needs rank ≥ 2; got [${x!.dims}]`);
  const { factor, offset } = batchNormAffine(scale!, bias!, mean!, variance!, attrs.float("epsilon", 1e-5));
  const batch = x!.dims[0]!, channels = x!.dims[1]!;
  const perBatch = batch === 0 ? 0 : x!.size / batch;
  // Parameters per channel (spatial) or per channel × position (spatial=0).
  const inner = factor.length === channels ? perBatch / Math.max(channels, 1) : 1;
  if (factor.length !== channels && factor.length !== perBatch) {
    throw new RangeError(`BatchNormalization parameters of size ${factor.length} do not fit X [${x!.dims}]`);
  }
  const xd = x!.data as Float32Array | Float64Array;
  const out = allocateForOverwrite(x!.type, x!.size) as Float32Array | Float64Array;
  let i = 0;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < factor.length; p++) {
      const f = factor[p]!, o = offset[p]!;
      for (let j = 0; j < inner; j++, i++) out[i] = xd[i]! * f + o;
    }
  }
  return new Tensor(x!.type, out, x!.dims);
}

function check(node: Node, opset: number): string | undefined {
  if (node.outputs.slice(1).some((o) => o !== "")) {
    return "only the inference form (one output) is supported; running mean/var outputs mean training";
  }
  const isTest = node.attributes["is_test"];
  if (opset < 7 && !(isTest?.kind === "int" && isTest.value !== 0)) {
    return "opsets before 7 need is_test=1 (inference); training mode is not supported";
  }
  return undefined;
}

/** ONNX BatchNormalization (opsets 6–15), inference mode. */
export const batchNormalization: OpDefinition = {
  op: "BatchNormalization",
  inputs: [5, 5],
  outputs: [1, 5],
  attributes: {
    epsilon: { kind: "float" },
    momentum: { kind: "float" },
    spatial: { kind: "int", values: [0, 1] },
    training_mode: { kind: "int", values: [0] },
    is_test: { kind: "int", values: [0, 1] },
    consumed_inputs: { kind: "ints" },
  },
  check,
  run: (inputs, attrs) => [run(inputs, attrs)],
};
