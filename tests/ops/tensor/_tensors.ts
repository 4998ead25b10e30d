// Tensor builders and an exact-match assertion for the tensor-family op tests.
import { expect } from "bun:test";
import type { DType } from "../../../src/graph/dtype.ts";
import { float32ToFloat16Array } from "../../../src/graph/float16.ts";
import { fromNumbers, shapeSize, Tensor } from "../../../src/graph/tensor.ts";
import { type OpCase, opModel, runOpCase } from "../../_op_harness.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { randomTensor, seededRandom } from "../../_random.ts";

export const f32 = (values: number[], dims = [values.length]): Tensor => fromNumbers("float32", values, dims);
export const i64 = (values: number[], dims = [values.length]): Tensor => fromNumbers("int64", values, dims);
export const i32 = (values: number[], dims = [values.length]): Tensor => fromNumbers("int32", values, dims);
export const bool = (values: number[], dims = [values.length]): Tensor => fromNumbers("bool", values, dims);
export const str = (values: string[], dims = [values.length]): Tensor => new Tensor("string", values, dims);
export const big = (values: bigint[], dims = [values.length]): Tensor =>
  new Tensor("int64", BigInt64Array.from(values), dims);

/** Every dtype the tensor ops move around (ORT accepts all of them for pure data movement). */
export const MOVABLE: readonly DType[] = [
  "float32",
  "float64",
  "float16",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "bool",
  "string",
];

/**
 * A reproducible tensor of any dtype: random floats in [-8, 8) for float types, random integers for
 * integer types (int64 includes values beyond 2^53), 0/1 for bool, short words for string.
 */
export function sample(type: DType, dims: readonly number[], seed: number): Tensor {
  const n = shapeSize(dims);
  if (type === "float32") return randomTensor(dims, seed, -8, 8);
  const next = seededRandom(seed);
  const ints = (lo: number, hi: number) => Array.from({ length: n }, () => Math.floor(lo + (hi - lo) * next()));
  switch (type) {
    case "float64":
      return new Tensor(type, Float64Array.from({ length: n }, () => (next() - 0.5) * 16), [...dims]);
    case "float16":
      return new Tensor(type, float32ToFloat16Array(randomTensor(dims, seed, -8, 8).data as Float32Array), [...dims]);
    case "int64":
      return new Tensor(
        type,
        BigInt64Array.from(ints(-1e6, 1e6), (v, i) => BigInt(v) * (i % 3 === 0 ? 1n << 40n : 1n)),
        [
          ...dims,
        ],
      );
    case "uint64":
      return new Tensor(type, BigUint64Array.from(ints(0, 1e6), (v, i) => BigInt(v) * (i % 3 === 0 ? 1n << 44n : 1n)), [
        ...dims,
      ]);
    case "bool":
      return fromNumbers(type, ints(0, 2), dims);
    case "string":
      return new Tensor(type, ints(0, 1000).map((v) => `w${v}`), [...dims]);
    case "int8":
      return fromNumbers(type, ints(-128, 128), dims);
    case "uint8":
      return fromNumbers(type, ints(0, 256), dims);
    case "int16":
      return fromNumbers(type, ints(-32768, 32768), dims);
    case "uint16":
      return fromNumbers(type, ints(0, 65536), dims);
    default:
      return fromNumbers(type, ints(-1e9, 1e9).map((v) => (type === "uint32" ? v + 1e9 : v)), dims);
  }
}

/** True when two elements are the same value (NaN equals NaN; 0 and -0 differ). */
function sameElement(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return true;
  return Object.is(a, b);
}

/**
 * Runs a case in bitloop and onnxruntime-node (through the harness) and asserts every output has the same
 * dtype, shape and exactly the same elements — data movement and casts must be bit exact.
 */
export async function expectExact(c: OpCase): Promise<void> {
  const { ours, ref } = await runOpCase(c);
  expect(ours.length).toBe(ref.length);
  ours.forEach((t, i) => {
    const r = ref[i]!;
    expect({ output: i, type: t.type, dims: [...t.dims] }).toEqual({ output: i, type: r.type, dims: [...r.dims] });
    const a = t.data as ArrayLike<unknown>;
    const b = r.data as ArrayLike<unknown>;
    const bad: string[] = [];
    for (let k = 0; k < b.length && bad.length < 5; k++) {
      if (!sameElement(a[k], b[k])) bad.push(`[${k}] ${String(a[k])} vs ${String(b[k])}`);
    }
    expect({ output: i, mismatches: bad }).toEqual({ output: i, mismatches: [] });
  });
}

/** Runs a case in bitloop only (for cases onnxruntime rejects too, to check bitloop's own error). */
export async function runOurs(c: OpCase): Promise<Tensor[]> {
  const model = opModel(c);
  const constants = new Set(c.constants ?? []);
  const feeds = Object.fromEntries(
    c.inputs.filter((x): x is readonly [string, Tensor] => x !== null && !constants.has(x[0])),
  );
  const session = await InferenceSession.create(model, { optimization: "none" });
  const out = await session.run(feeds);
  return model.graph.outputs.map((o) => out[o.name]!);
}
