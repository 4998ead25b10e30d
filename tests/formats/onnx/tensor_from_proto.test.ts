import { describe, expect, test } from "bun:test";
import { ModelFormatError } from "../../../src/errors.ts";
import { tensorToProto } from "../../../src/formats/onnx/export_onnx.ts";
import { importOnnx } from "../../../src/formats/onnx/import_onnx.ts";
import { tensorFromProto } from "../../../src/formats/onnx/tensor_from_proto.ts";
import { type DType, DTYPES } from "../../../src/graph/dtype.ts";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { ortRun, ortSession } from "../../_ort.ts";
import { tensorModel, tensorProto } from "./_build.ts";

/** The tensor onnxruntime reads from a model whose output is initializer `proto`. */
async function ortReads(proto: ReturnType<typeof tensorProto>): Promise<Tensor> {
  return (await ortRun(await ortSession(tensorModel(proto)), {}))["y"]!;
}

/** The initializer bitloop's importer reads from the same model. */
async function weReadFromModel(proto: ReturnType<typeof tensorProto>): Promise<Tensor> {
  return (await importOnnx(tensorModel(proto))).graph.initializers.get(proto.name)!;
}

function sample(dtype: DType): Tensor {
  const values = [0, 1, -2, 3, 100, -7];
  switch (dtype) {
    case "string":
      return new Tensor("string", ["a", "", "ünï", "x", "yy", "z"], [2, 3]);
    case "float16":
      return new Tensor("float16", new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7e00]), [2, 3]);
    case "bool":
      return fromNumbers("bool", [1, 0, 1, 1, 0, 0], [2, 3]);
    case "uint8":
    case "uint16":
    case "uint32":
    case "uint64":
      return fromNumbers(dtype, values.map(Math.abs), [2, 3]);
    default:
      return fromNumbers(dtype, dtype.startsWith("float") ? values.map((v) => v / 3) : values, [2, 3]);
  }
}

describe("tensorFromProto()", () => {
  test("raw_data of every dtype round-trips through tensorToProto exactly", () => {
    for (const dtype of DTYPES) {
      const t = sample(dtype);
      expect(tensorFromProto(tensorToProto("w", t), "w")).toEqual(t);
    }
  });

  test("raw_data at an unaligned offset of the file is copied into an aligned array", async () => {
    for (const dtype of ["float32", "float64", "int64", "uint16"] as const) {
      const t = sample(dtype);
      const proto = tensorToProto("w", t);
      const bytes = tensorModel(proto);
      // The model bytes are parsed from an odd offset into a larger buffer.
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      const model = await importOnnx(shifted.subarray(1));
      const got = model.graph.initializers.get("w")!;
      expect(got).toEqual(t);
      expect((got.data as Float32Array).byteOffset).toBe(0);
      expect(got).toEqual(await ortReads(proto));
    }
  });

  test("typed fields read as onnxruntime reads them, for every dtype the spec packs there", async () => {
    const cases: [string, Parameters<typeof tensorProto>[0], Tensor][] = [
      [
        "float_data",
        { dataType: 1, floatData: [1.5, -2, 3e-8] },
        new Tensor("float32", new Float32Array([1.5, -2, 3e-8]), [3]),
      ],
      [
        "double_data",
        { dataType: 11, doubleData: [0.1, -1e300, 5] },
        new Tensor("float64", new Float64Array([0.1, -1e300, 5]), [3]),
      ],
      [
        "int32_data/int32",
        { dataType: 6, int32Data: [-5, 2147483647, 0] },
        fromNumbers("int32", [-5, 2147483647, 0], [3]),
      ],
      ["int32_data/int8", { dataType: 3, int32Data: [-128, 127, -1] }, fromNumbers("int8", [-128, 127, -1], [3])],
      ["int32_data/uint8", { dataType: 2, int32Data: [255, 0, 128] }, fromNumbers("uint8", [255, 0, 128], [3])],
      [
        "int32_data/int16",
        { dataType: 5, int32Data: [-32768, 32767, 7] },
        fromNumbers("int16", [-32768, 32767, 7], [3]),
      ],
      ["int32_data/uint16", { dataType: 4, int32Data: [65535, 1, 0] }, fromNumbers("uint16", [65535, 1, 0], [3])],
      ["int32_data/bool", { dataType: 9, int32Data: [1, 0, 1] }, fromNumbers("bool", [1, 0, 1], [3])],
      [
        "int32_data/float16 bits",
        { dataType: 10, int32Data: [0x3c00, 0xc000, 0x7bff] },
        new Tensor("float16", new Uint16Array([0x3c00, 0xc000, 0x7bff]), [3]),
      ],
      [
        "int64_data",
        { dataType: 7, int64Data: [-(2n ** 63n), 2n ** 63n - 1n, 3n] },
        new Tensor("int64", new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 3n]), [3]),
      ],
      [
        "uint64_data/uint32",
        { dataType: 12, uint64Data: [4294967295n, 0n, 9n] },
        fromNumbers("uint32", [4294967295, 0, 9], [3]),
      ],
      [
        "uint64_data/uint64",
        { dataType: 13, uint64Data: [2n ** 64n - 1n, 0n, 9n] },
        new Tensor("uint64", new BigUint64Array([2n ** 64n - 1n, 0n, 9n]), [3]),
      ],
      [
        "string_data",
        { dataType: 8, stringData: ["ab", "", "ü"].map((s) => new TextEncoder().encode(s)) },
        new Tensor("string", ["ab", "", "ü"], [3]),
      ],
    ];
    for (const [label, init, want] of cases) {
      const proto = tensorProto({ name: "w", dims: [3n], ...init });
      const got = await weReadFromModel(proto);
      expect({ label, got }).toEqual({ label, got: want });
      const ort = await ortReads(proto);
      // onnxruntime returns uint64 as BigUint64Array, bool as Uint8Array, float16 as raw bits: same as bitloop.
      expect({ label, got }).toEqual({ label, got: ort });
    }
  });

  test("a tensor with no elements is empty, and a scalar has one element", () => {
    expect(tensorFromProto(tensorProto({ name: "e", dataType: 1, dims: [0n, 4n] }), "e")).toEqual(
      new Tensor("float32", new Float32Array(0), [0, 4]),
    );
    expect(tensorFromProto(tensorProto({ name: "s", dataType: 7, int64Data: [5n] }), "s")).toEqual(
      new Tensor("int64", new BigInt64Array([5n]), []),
    );
  });

  test("data whose length disagrees with the dims is a ModelFormatError naming the tensor", () => {
    const short = tensorProto({
      name: "conv1.weight",
      dataType: 1,
      dims: [32n, 3n, 3n, 3n],
      rawData: new Uint8Array(3400),
    });
    expect(() => tensorFromProto(short, short.name)).toThrow(
      new ModelFormatError("onnx", 'Cannot load tensor "conv1.weight": expected 3456 bytes, found 3400'),
    );
    const typed = tensorProto({ name: "b", dataType: 1, dims: [4n], floatData: [1, 2, 3] });
    expect(() => tensorFromProto(typed, "b")).toThrow(
      'Cannot load tensor "b": expected 4 values in float_data, found 3',
    );
    const none = tensorProto({ name: "c", dataType: 7, dims: [2n] });
    expect(() => tensorFromProto(none, "c")).toThrow('Cannot load tensor "c": expected 16 bytes, found 0');
    const huge = tensorProto({ name: "h", dataType: 1, dims: [1n << 40n, 1n << 40n], rawData: new Uint8Array(8) });
    expect(() => tensorFromProto(huge, "h")).toThrow(ModelFormatError);
    const negative = tensorProto({ name: "n", dataType: 1, dims: [-1n], floatData: [1] });
    expect(() => tensorFromProto(negative, "n")).toThrow('Cannot load tensor "n": invalid dimension -1');
  });

  test("dtypes bitloop does not store are a ModelFormatError naming tensor and type", () => {
    const names = {
      16: "BFLOAT16",
      17: "FLOAT8E4M3FN",
      19: "FLOAT8E5M2",
      22: "INT4",
      21: "UINT4",
      14: "COMPLEX64",
      0: "UNDEFINED",
    };
    for (const [code, label] of Object.entries(names)) {
      const proto = tensorProto({ name: "q.weight", dataType: Number(code), dims: [2n], rawData: new Uint8Array(4) });
      let error: unknown;
      try {
        tensorFromProto(proto, proto.name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toStartWith(
        `Cannot load tensor "q.weight": data type ${label} (${code}) is not supported`,
      );
    }
  });

  test("segmented tensors are refused", () => {
    const proto = tensorProto({ name: "s", dataType: 1, dims: [1n], floatData: [1], segment: { begin: 0n, end: 1n } });
    expect(() => tensorFromProto(proto, "s")).toThrow(ModelFormatError);
  });
});
