/**
 * LRN (local response normalization across channels, AlexNet/GoogLeNet):
 * `y = x / (bias + alpha/size · Σ x²)^beta`, the sum running over a window of `size` channels.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";

function run(x: Tensor, attrs: Attrs): Tensor {
  if (x.type !== "float32" && x.type !== "float64") {
    throw new TypeError(`LRN supports float32 and float64; got ${x.type}`);
  }
  if (x.dims.length < 3) throw new RangeError(`LRN needs rank ≥ 3; got [${x.dims}]`);
  const size = attrs.int("size", 0);
  if (size < 1) throw new RangeError(`LRN size must be ≥ 1; got ${size}`);
  const alpha = attrs.float("alpha", 1e-4), beta = attrs.float("beta", 0.75), bias = attrs.float("bias", 1);
  const [batch, channels] = [x.dims[0]!, x.dims[1]!];
  const plane = batch * channels === 0 ? 0 : x.size / (batch * channels);
  const before = Math.floor((size - 1) / 2), after = Math.ceil((size - 1) / 2);
  const xd = x.data as Float32Array | Float64Array;
  const out = allocate(x.type, x.size) as Float32Array | Float64Array;
  const sums = new Float64Array(plane);
  for (let n = 0; n < batch; n++) {
    const base = n * channels * plane;
    for (let c = 0; c < channels; c++) {
      sums.fill(0);
      for (let k = Math.max(0, c - before); k <= Math.min(channels - 1, c + after); k++) {
        const src = base + k * plane;
        for (let i = 0; i < plane; i++) sums[i] = sums[i]! + xd[src + i]! * xd[src + i]!;
      }
      const dst = base + c * plane;
      for (let i = 0; i < plane; i++) out[dst + i] = xd[dst + i]! / Math.pow(bias + (alpha / size) * sums[i]!, beta);
    }
  }
  return new Tensor(x.type, out, x.dims);
}

/** ONNX LRN (opsets 1–13). */
export const lrn: OpDefinition = {
  op: "LRN",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { alpha: { kind: "float" }, beta: { kind: "float" }, bias: { kind: "float" }, size: { kind: "int" } },
  check: (node) => (node.attributes["size"]?.kind === "int" ? undefined : "attribute size is required"),
  run: ([x], attrs) => [run(x!, attrs)],
};
