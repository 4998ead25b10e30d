/**
 * Range: `start, start+delta, …` up to (not including) `limit`; `max(ceil((limit-start)/delta), 0)`
 * elements. Like onnxruntime, each value is the previous one plus `delta` in the element type, so float32
 * results carry its rounding.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

const TYPES = new Set(["float32", "float64", "int16", "int32", "int64"]);

/** The single value of a scalar input, as a number. */
function scalar(t: Tensor | undefined, what: string): number {
  if (!t || t.size !== 1) throw new RangeError(`Range ${what} must be a scalar`);
  return Number((t.data as ArrayLike<number | bigint>)[0]!);
}

/** ONNX Range (opset 11). */
export const range: OpDefinition = {
  op: "Range",
  inputs: [3, 3],
  outputs: [1, 1],
  attributes: {},
  run([startT, limitT, deltaT]) {
    const type = startT!.type;
    if (!TYPES.has(type)) throw new TypeError(`Range does not take ${type} inputs`);
    if (limitT!.type !== type || deltaT!.type !== type) {
      throw new TypeError(`Range inputs must share a type, got ${type}, ${limitT!.type}, ${deltaT!.type}`);
    }
    const start = scalar(startT, "start");
    const limit = scalar(limitT, "limit");
    const delta = scalar(deltaT, "delta");
    if (delta === 0) throw new RangeError("Range delta must not be 0");
    const span = type === "float32" ? Math.fround(limit - start) : limit - start;
    const n = Math.max(Math.ceil(span / delta), 0);
    const out = allocate(type, n);
    if (type === "int64") {
      const o = out as BigInt64Array;
      const s = (startT!.data as BigInt64Array)[0]!;
      const d = (deltaT!.data as BigInt64Array)[0]!;
      for (let i = 0; i < n; i++) o[i] = s + BigInt(i) * d;
    } else {
      const o = out as Float64Array;
      const single = type === "float32";
      let value = start;
      for (let i = 0; i < n; i++) {
        o[i] = value;
        value = single ? Math.fround(value + delta) : value + delta;
      }
    }
    return [new Tensor(type, out, [n])];
  },
};
