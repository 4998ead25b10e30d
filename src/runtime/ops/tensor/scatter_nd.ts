/**
 * ScatterND: a copy of `data` in which the slices addressed by the rows of `indices` are replaced by
 * (or, with `reduction`, combined with) `updates`. Rows are applied in order, so with `"none"` a repeated
 * index keeps the last update. As in onnxruntime, `add` concatenates strings and ORs bools, `mul` ANDs
 * bools; float16 combines in float32.
 * @module
 */
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../../graph/float16.ts";
import { shapeSize, stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { copyElements } from "./_copy.ts";
import { indexValues, wrapIndex } from "./_indices.ts";

type Combine = (a: number, b: number) => number;
type CombineBig = (a: bigint, b: bigint) => bigint;

const NUMBER_OPS: Record<string, Combine> = {
  add: (a, b) => a + b,
  mul: (a, b) => a * b,
  max: (a, b) => (a < b ? b : a),
  min: (a, b) => (b < a ? b : a),
};
const BIGINT_OPS: Record<string, CombineBig> = {
  add: (a, b) => a + b,
  mul: (a, b) => a * b,
  max: (a, b) => (a < b ? b : a),
  min: (a, b) => (b < a ? b : a),
};
const INTEGER_TYPES = new Set(["int8", "uint8", "int16", "uint16", "int32", "uint32"]);

/** Combines `n` elements of `src` into `dst` at the given offsets with `reduction`. */
function reduceInto(
  type: Tensor["type"],
  reduction: string,
  dst: Tensor["data"],
  at: number,
  src: Tensor["data"],
  from: number,
  n: number,
) {
  if (type === "int64" || type === "uint64") {
    const f = BIGINT_OPS[reduction]!;
    const d = dst as BigInt64Array, s = src as BigInt64Array;
    for (let i = 0; i < n; i++) d[at + i] = f(d[at + i]!, s[from + i]!);
  } else if (type === "float16") {
    const f = NUMBER_OPS[reduction]!;
    const d = dst as Uint16Array, s = src as Uint16Array;
    for (let i = 0; i < n; i++) {
      const v = f(float16BitsToFloat32(d[at + i]!), float16BitsToFloat32(s[from + i]!));
      d[at + i] = float32ToFloat16Bits(v);
    }
  } else if (type === "bool" && (reduction === "add" || reduction === "mul")) {
    // C++ bool arithmetic, as onnxruntime does it: add is OR, mul is AND.
    const d = dst as Uint8Array, s = src as Uint8Array;
    for (let i = 0; i < n; i++) d[at + i] = reduction === "add" ? d[at + i]! | s[from + i]! : d[at + i]! & s[from + i]!;
  } else if (type === "string" && reduction === "add") {
    const d = dst as string[], s = src as string[];
    for (let i = 0; i < n; i++) d[at + i] = d[at + i]! + s[from + i]!;
  } else if (type === "string" || type === "bool") {
    throw new TypeError(`ScatterND reduction "${reduction}" is not defined for ${type} tensors`);
  } else {
    const f = reduction === "mul" && INTEGER_TYPES.has(type) ? Math.imul : NUMBER_OPS[reduction]!;
    const d = dst as Float32Array, s = src as Float32Array;
    for (let i = 0; i < n; i++) d[at + i] = f(d[at + i]!, s[from + i]!);
  }
}

/** ONNX ScatterND (opset 11; `reduction` add/mul from 16, max/min from 18). */
export const scatterNd: OpDefinition = {
  op: "ScatterND",
  inputs: [3, 3],
  outputs: [1, 1],
  attributes: { reduction: { kind: "string", values: ["none", "add", "mul", "max", "min"] } },
  run([data, indicesT, updates], attrs) {
    const x = data!;
    const u = updates!;
    if (u.type !== x.type) throw new TypeError(`ScatterND updates are ${u.type}, data is ${x.type}`);
    const idims = indicesT!.dims;
    const k = idims[idims.length - 1];
    if (k === undefined || k > x.dims.length) {
      throw new RangeError(`ScatterND indices shape [${idims.join(", ")}] does not fit data rank ${x.dims.length}`);
    }
    const expected = [...idims.slice(0, -1), ...x.dims.slice(k)];
    if (expected.length !== u.dims.length || expected.some((d, i) => d !== u.dims[i])) {
      throw new RangeError(`ScatterND updates must have shape [${expected.join(", ")}], got [${u.dims.join(", ")}]`);
    }
    const reduction = attrs.string("reduction", "none");
    const indices = indexValues(indicesT, "ScatterND indices");
    const strides = stridesOf(x.dims);
    const sliceSize = shapeSize(x.dims.slice(k));
    const out = x.data.slice() as Tensor["data"];
    const rows = shapeSize(idims.slice(0, -1));
    for (let r = 0; r < rows; r++) {
      let offset = 0;
      for (let j = 0; j < k; j++) offset += wrapIndex(indices[r * k + j]!, x.dims[j]!, "ScatterND") * strides[j]!;
      if (reduction === "none") copyElements(out, offset, u.data, r * sliceSize, sliceSize);
      else reduceInto(x.type, reduction, out, offset, u.data, r * sliceSize, sliceSize);
    }
    return [new Tensor(x.type, out, [...x.dims])];
  },
};
