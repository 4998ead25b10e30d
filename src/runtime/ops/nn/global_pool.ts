/**
 * GlobalAveragePool and GlobalMaxPool: one value per (batch, channel) over all spatial axes; the
 * output keeps the rank with every spatial dimension 1. Averages accumulate in float64.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

type FloatData = Float32Array | Float64Array;

function reducePlanes(x: Tensor, op: string, reduce: (d: FloatData, start: number, end: number) => number): Tensor {
  if (x.type !== "float32" && x.type !== "float64") {
    throw new TypeError(`${op} supports float32 and float64; got ${x.type}`);
  }
  if (x.dims.length < 2) throw new RangeError(`${op} needs an input of rank ≥ 2; got [${x.dims}]`);
  const planes = x.dims[0]! * x.dims[1]!;
  const plane = planes === 0 ? 0 : x.size / planes;
  const out = allocateForOverwrite(x.type, planes) as FloatData;
  for (let p = 0; p < planes; p++) out[p] = reduce(x.data as FloatData, p * plane, (p + 1) * plane);
  return new Tensor(x.type, out, [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map(() => 1)]);
}

function mean(d: FloatData, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += d[i]!;
  return sum / (end - start);
}

function max(d: FloatData, start: number, end: number): number {
  let best = -Infinity;
  for (let i = start; i < end; i++) if (d[i]! > best || Number.isNaN(d[i]!)) best = d[i]!;
  return best;
}

/** ONNX GlobalAveragePool (opsets 1–22). */
export const globalAveragePool: OpDefinition = {
  op: "GlobalAveragePool",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: {},
  run: ([x]) => [reducePlanes(x!, "GlobalAveragePool", mean)],
};

/** ONNX GlobalMaxPool (opsets 1–22). */
export const globalMaxPool: OpDefinition = {
  op: "GlobalMaxPool",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: {},
  run: ([x]) => [reducePlanes(x!, "GlobalMaxPool", max)],
};
