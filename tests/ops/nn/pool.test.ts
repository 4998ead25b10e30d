import { describe, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { attr, expectOpMatches, type OpCase } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

type Attributes = NonNullable<OpCase["attributes"]>;

function poolCase(
  op: string,
  dims: number[],
  attributes: Attributes,
  extra: Omit<OpCase, "op" | "inputs"> = {},
): OpCase {
  return { ...extra, op, inputs: [["x", randomTensor(dims, 21)]], attributes };
}

describe("MaxPool matches onnxruntime", () => {
  test("3×3 stride 2 pads 1 (ResNet stem), odd sizes", async () => {
    await expectOpMatches(
      poolCase("MaxPool", [1, 3, 9, 11], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
      }),
    );
  });
  test("ceil_mode with asymmetric pads", async () => {
    await expectOpMatches(
      poolCase("MaxPool", [2, 2, 8, 7], {
        kernel_shape: attr.ints([3, 2]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 0, 0, 1]),
        ceil_mode: attr.int(1),
      }),
    );
  });
  test("ceil_mode drops a last window that would start in the end padding", async () => {
    await expectOpMatches(
      poolCase("MaxPool", [1, 2, 5, 7], {
        kernel_shape: attr.ints([2, 2]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
        ceil_mode: attr.int(1),
      }),
    );
  });
  test("SAME_UPPER with dilations pads from the undilated kernel, as onnxruntime does", async () => {
    await expectOpMatches(
      poolCase("MaxPool", [1, 2, 9, 8], {
        kernel_shape: attr.ints([3, 2]),
        dilations: attr.ints([2, 2]),
        strides: attr.ints([2, 1]),
        auto_pad: attr.string("SAME_UPPER"),
      }),
    );
  });
  test("dilations", async () => {
    await expectOpMatches(
      poolCase("MaxPool", [1, 2, 10, 9], { kernel_shape: attr.ints([2, 3]), dilations: attr.ints([2, 2]) }, {
        opset: 12,
      }),
    );
  });
  for (const autoPad of ["SAME_UPPER", "SAME_LOWER", "VALID"]) {
    test(`auto_pad ${autoPad}`, async () => {
      await expectOpMatches(
        poolCase("MaxPool", [1, 2, 7, 8], {
          kernel_shape: attr.ints([2, 3]),
          strides: attr.ints([2, 2]),
          auto_pad: attr.string(autoPad),
        }),
      );
    });
  }
  test("second output Indices (flat, row-major, across batch and channels)", async () => {
    await expectOpMatches(
      poolCase("MaxPool", [2, 3, 6, 5], { kernel_shape: attr.ints([2, 2]), pads: attr.ints([1, 1, 0, 0]) }, {
        outputs: 2,
      }),
    );
  });
  test("1-D and 3-D", async () => {
    await expectOpMatches(poolCase("MaxPool", [2, 3, 17], { kernel_shape: attr.ints([4]), strides: attr.ints([3]) }));
    await expectOpMatches(
      poolCase("MaxPool", [1, 2, 5, 6, 7], { kernel_shape: attr.ints([2, 3, 2]), pads: attr.ints([0, 1, 1, 1, 0, 0]) }),
    );
  });
  test("uint8 input", async () => {
    const x = new Tensor("uint8", Uint8Array.from({ length: 2 * 5 * 6 }, (_, i) => (i * 37) % 251), [1, 2, 5, 6]);
    await expectOpMatches({ op: "MaxPool", inputs: [["x", x]], attributes: { kernel_shape: attr.ints([2, 2]) } });
  });
});

describe("AveragePool matches onnxruntime", () => {
  for (const include of [0, 1]) {
    test(`pads with count_include_pad=${include}`, async () => {
      await expectOpMatches(
        poolCase("AveragePool", [1, 3, 7, 8], {
          kernel_shape: attr.ints([3, 3]),
          strides: attr.ints([2, 2]),
          pads: attr.ints([1, 1, 1, 0]),
          count_include_pad: attr.int(include),
        }),
      );
    });
    test(`ceil_mode with count_include_pad=${include}`, async () => {
      await expectOpMatches(
        poolCase("AveragePool", [2, 2, 8, 9], {
          kernel_shape: attr.ints([3, 2]),
          strides: attr.ints([2, 2]),
          pads: attr.ints([1, 0, 1, 1]),
          ceil_mode: attr.int(1),
          count_include_pad: attr.int(include),
        }),
      );
    });
    test(`ceil_mode last window in the end padding, count_include_pad=${include}`, async () => {
      await expectOpMatches(
        poolCase("AveragePool", [1, 2, 5, 7], {
          kernel_shape: attr.ints([2, 2]),
          strides: attr.ints([2, 2]),
          pads: attr.ints([1, 1, 1, 1]),
          ceil_mode: attr.int(1),
          count_include_pad: attr.int(include),
        }),
      );
    });
    test(`dilations (opset 19) with count_include_pad=${include}`, async () => {
      await expectOpMatches(
        poolCase("AveragePool", [1, 2, 11, 10], {
          kernel_shape: attr.ints([3, 2]),
          dilations: attr.ints([2, 3]),
          pads: attr.ints([1, 1, 1, 0]),
          count_include_pad: attr.int(include),
        }, { opset: 19 }),
      );
    });
  }
  for (const autoPad of ["SAME_UPPER", "SAME_LOWER", "VALID"]) {
    test(`auto_pad ${autoPad}`, async () => {
      await expectOpMatches(
        poolCase("AveragePool", [1, 2, 7, 8], {
          kernel_shape: attr.ints([2, 3]),
          strides: attr.ints([2, 2]),
          auto_pad: attr.string(autoPad),
        }),
      );
    });
  }
  test("PP-OCR rec style 2×2 stride 2, 1-D and 3-D", async () => {
    await expectOpMatches(
      poolCase("AveragePool", [1, 4, 6, 40], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }),
    );
    await expectOpMatches(
      poolCase("AveragePool", [2, 3, 15], { kernel_shape: attr.ints([3]), pads: attr.ints([1, 1]) }),
    );
    await expectOpMatches(poolCase("AveragePool", [1, 2, 4, 5, 6], { kernel_shape: attr.ints([2, 2, 3]) }));
  });
});

describe("global pooling matches onnxruntime", () => {
  for (const op of ["GlobalAveragePool", "GlobalMaxPool"]) {
    test(`${op} on 2-D, 1-D and 3-D inputs`, async () => {
      await expectOpMatches({ op, inputs: [["x", randomTensor([2, 5, 7, 9], 31)]] });
      await expectOpMatches({ op, inputs: [["x", randomTensor([1, 3, 11], 32)]] });
      await expectOpMatches({ op, inputs: [["x", randomTensor([1, 2, 3, 4, 5], 33)]] });
    });
  }
});
