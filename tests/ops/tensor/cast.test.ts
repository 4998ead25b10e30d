import { expect, test } from "bun:test";
import { type DType, dtypeToOnnx } from "../../../src/graph/dtype.ts";
import { float32ToFloat16Array } from "../../../src/graph/float16.ts";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { attr } from "../../_op_harness.ts";
import { seededRandom } from "../../_random.ts";
import { expectExact, f32, runOurs, str } from "./_tensors.ts";

const NUMERIC: readonly DType[] = [
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
];

/** Float values that hit every conversion edge: ties, truncation, wrap-around, overflow, specials. */
const FLOAT_EDGES = [
  0,
  -0,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.7,
  3.99,
  100.9,
  -100.9,
  127,
  128,
  255,
  256,
  -129,
  300.7,
  -300.7,
  32767.5,
  65504,
  65519,
  65520,
  70000.5,
  1e5,
  -1e5,
  2 ** 24 + 2,
  2 ** 31 - 128,
  2 ** 31,
  -(2 ** 31),
  3e9,
  -3e9,
  2 ** 32 + 512,
  2 ** 53 + 2,
  1e19,
  -1e19,
  1e20,
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  1e-8,
  6e-8,
  1e-30,
  NaN,
  Infinity,
  -Infinity,
];

/** Reproducible source values of `type`: edge cases plus random ones (>= 1000 elements in all). */
function source(type: DType): Tensor {
  const next = seededRandom(dtypeToOnnx(type));
  const random = Array.from({ length: 1000 }, () => (next() - 0.5) * 2 ** Math.floor(next() * 40));
  switch (type) {
    case "float32":
    case "float64": {
      const values = [...FLOAT_EDGES, ...random];
      return fromNumbers(type, values, [values.length]);
    }
    case "float16":
      return new Tensor("float16", Uint16Array.from({ length: 65536 }, (_, i) => i), [65536]);
    case "int64": {
      const edges = [
        0n,
        1n,
        -1n,
        127n,
        128n,
        -129n,
        65535n,
        2n ** 31n,
        -(2n ** 31n),
        2n ** 53n + 1n,
        2n ** 60n + 2n ** 36n + 1n,
      ];
      const values = [
        ...edges,
        2n ** 60n + 2n ** 36n,
        2n ** 63n - 1n,
        -(2n ** 63n),
        ...random.map((v) => BigInt(Math.trunc(v))),
      ];
      return new Tensor("int64", BigInt64Array.from(values), [values.length]);
    }
    case "uint64": {
      const values = [
        0n,
        1n,
        255n,
        2n ** 32n + 7n,
        2n ** 63n,
        2n ** 64n - 1n,
        2n ** 40n + 2n ** 16n + 1n,
        ...random.map((v) => BigInt(Math.abs(Math.trunc(v)))),
      ];
      return new Tensor("uint64", BigUint64Array.from(values), [values.length]);
    }
    case "bool":
      return fromNumbers("bool", random.map((v) => (v > 0 ? 1 : 0)), [random.length]);
    default: {
      const limits: Record<string, [number, number]> = {
        int8: [-128, 127],
        uint8: [0, 255],
        int16: [-32768, 32767],
        uint16: [0, 65535],
        int32: [-(2 ** 31), 2 ** 31 - 1],
        uint32: [0, 2 ** 32 - 1],
      };
      const [lo, hi] = limits[type]!;
      const values = [lo, hi, 0, 1, lo + 1, hi - 1, ...random.map((v) => Math.min(Math.max(Math.trunc(v), lo), hi))];
      return fromNumbers(type, values, [values.length]);
    }
  }
}

for (const from of NUMERIC) {
  test(`Cast from ${from} to every numeric dtype and bool matches onnxruntime bit for bit`, async () => {
    const x = source(from);
    for (const to of NUMERIC) {
      await expectExact({ op: "Cast", inputs: [["x", x]], attributes: { to: attr.int(dtypeToOnnx(to)) } });
    }
  });
}

test("Cast to and from string formats and parses numbers as onnxruntime does", async () => {
  const toString = (x: Tensor) => expectExact({ op: "Cast", inputs: [["x", x]], attributes: { to: attr.int(8) } });
  await toString(
    f32([1.5, 0.1, -2, 1e20, NaN, Infinity, -Infinity, 123456789, 1e-7, 0, -0, 0.125, 1e-45, 3.4028235e38]),
  );
  await toString(
    fromNumbers("float64", [100000005, 0.125, 1.000000005, 2.5e-5, 5e-324, 1.7976931348623157e308, 123.456], [7]),
  );
  await toString(new Tensor("float16", float32ToFloat16Array([1, 65504, 6e-8, 0.1]), [4]));
  await toString(new Tensor("int64", BigInt64Array.from([1n, -5n, 2n ** 63n - 1n, -(2n ** 63n)]), [4]));
  await toString(new Tensor("uint64", BigUint64Array.from([2n ** 64n - 1n]), [1]));
  await toString(fromNumbers("int8", [-128, 5], [2]));
  await toString(fromNumbers("bool", [1, 0], [2]));
  const floats = str([
    "1.5",
    " 2",
    "INF",
    "-inf",
    "NaN",
    "1e3",
    "0x10",
    "7z",
    "-0",
    "+3",
    "1e40",
    "infinity",
    ".5",
    "5.",
  ]);
  for (const to of ["float32", "float64", "float16"] as const) {
    await expectExact({ op: "Cast", inputs: [["x", floats]], attributes: { to: attr.int(dtypeToOnnx(to)) } });
  }
  const ints = str(["15", " 2", "-7", "1e3", "0x10", "7z", "+3", "300", "-300", "4294967296", "0"]);
  for (const to of NUMERIC.filter((t) => !t.startsWith("float"))) {
    await expectExact({ op: "Cast", inputs: [["x", ints]], attributes: { to: attr.int(dtypeToOnnx(to)) } });
  }
  await expectExact({ op: "Cast", inputs: [["x", str(["a", ""])]], attributes: { to: attr.int(8) } });
});

test("Cast of empty tensors and scalars keeps the shape", async () => {
  await expectExact({ op: "Cast", inputs: [["x", f32([], [2, 0])]], attributes: { to: attr.int(7) } });
  await expectExact({ op: "Cast", inputs: [["x", f32([-3.5], [])]], attributes: { to: attr.int(6) } });
});

test("Cast rejects float8 and bfloat16 targets at load time, and unparsable strings at run time", async () => {
  await expect(runOurs({ op: "Cast", inputs: [["x", f32([1])]], attributes: { to: attr.int(17) }, opset: 19 }))
    .rejects.toThrow(/float8e4m3fn is not supported/);
  await expect(runOurs({ op: "Cast", inputs: [["x", f32([1])]], attributes: { to: attr.int(16) } })).rejects.toThrow(
    /bfloat16/,
  );
  await expect(runOurs({ op: "Cast", inputs: [["x", str(["abc"])]], attributes: { to: attr.int(1) } })).rejects.toThrow(
    /number/,
  );
  await expect(runOurs({ op: "Cast", inputs: [["x", str(["99999999999999999999"])]], attributes: { to: attr.int(7) } }))
    .rejects.toThrow(/out of range/);
});

test("Cast rejects the saturate attribute, which only applies to float8, as onnxruntime does", async () => {
  await expect(
    runOurs({
      op: "Cast",
      inputs: [["x", f32([1e9])]],
      attributes: { to: attr.int(10), saturate: attr.int(0) },
      opset: 19,
    }),
  )
    .rejects.toThrow(/saturate only applies to float8/);
});
