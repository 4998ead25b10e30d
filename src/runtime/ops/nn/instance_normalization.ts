/**
 * InstanceNormalization: each (batch, channel) plane normalized by its own mean and (population)
 * variance, then scaled and shifted per channel. Statistics are computed in float64, two-pass.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";

function run(x: Tensor, scale: Tensor, bias: Tensor, attrs: Attrs): Tensor {
  if (x.type !== "float32" && x.type !== "float64") {
    throw new TypeError(`InstanceNormalization supports float32 and float64; got ${x.type}`);
  }
  if (x.dims.length < 3) throw new RangeError(`InstanceNormalization needs rank ≥ 3; got [${x.dims}]`);
  const [batch, channels] = [x.dims[0]!, x.dims[1]!];
  const s = toNumbers(scale), b = toNumbers(bias);
  if (s.length !== channels || b.length !== channels) {
    throw new RangeError(
      `InstanceNormalization scale and B must have ${channels} elements; got ${s.length}, ${b.length}`,
    );
  }
  const epsilon = attrs.float("epsilon", 1e-5);
  const plane = batch * channels === 0 ? 0 : x.size / (batch * channels);
  const xd = x.data as Float32Array | Float64Array;
  const out = allocate(x.type, x.size) as Float32Array | Float64Array;
  for (let p = 0; p < batch * channels; p++) {
    const start = p * plane, end = start + plane;
    let sum = 0;
    for (let i = start; i < end; i++) sum += xd[i]!;
    const mean = sum / plane;
    let sq = 0;
    for (let i = start; i < end; i++) {
      const d = xd[i]! - mean;
      sq += d * d;
    }
    const c = p % channels;
    const factor = s[c]! / Math.sqrt(sq / plane + epsilon), offset = b[c]! - mean * factor;
    for (let i = start; i < end; i++) out[i] = xd[i]! * factor + offset;
  }
  return new Tensor(x.type, out, x.dims);
}

/** ONNX InstanceNormalization (opsets 1–22). */
export const instanceNormalization: OpDefinition = {
  op: "InstanceNormalization",
  inputs: [3, 3],
  outputs: [1, 1],
  attributes: { epsilon: { kind: "float" } },
  run: ([x, scale, bias], attrs) => [run(x!, scale!, bias!, attrs)],
};
