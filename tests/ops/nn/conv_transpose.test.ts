import { describe, test } from "bun:test";
import { attr, expectOpMatches, type OpCase } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

function convTransposeCase(
  xDims: number[],
  wDims: number[],
  attributes: OpCase["attributes"] = {},
  bias = true,
): OpCase {
  const group = attributes.group?.kind === "int" ? attributes.group.value : 1;
  const inputs: OpCase["inputs"] = [
    ["x", randomTensor(xDims, 11)],
    ["w", randomTensor(wDims, 12, -0.5, 0.5)],
  ];
  if (bias) inputs.push(["b", randomTensor([wDims[1]! * group], 13)]);
  return { op: "ConvTranspose", inputs, constants: ["w", "b"], attributes };
}

describe("ConvTranspose matches onnxruntime", () => {
  test("2×2 stride 2 upsampling (PP-OCR head)", async () => {
    await expectOpMatches(convTransposeCase([1, 6, 5, 7], [6, 4, 2, 2], { strides: attr.ints([2, 2]) }));
  });
  test("3×3 stride 2 with pads and output_padding, no bias", async () => {
    await expectOpMatches(
      convTransposeCase([2, 3, 4, 5], [3, 2, 3, 3], {
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 0, 1, 2]),
        output_padding: attr.ints([1, 0]),
      }, false),
    );
  });
  test("groups and dilations", async () => {
    await expectOpMatches(
      convTransposeCase([1, 4, 5, 4], [4, 3, 3, 2], {
        group: attr.int(2),
        dilations: attr.ints([2, 3]),
        strides: attr.ints([1, 2]),
      }),
    );
  });
  test("depthwise (group = channels, one output per group)", async () => {
    await expectOpMatches(
      convTransposeCase([1, 5, 6, 6], [5, 1, 2, 2], { group: attr.int(5), strides: attr.ints([2, 2]) }),
    );
  });
  test("output_shape sets the pads", async () => {
    await expectOpMatches(
      convTransposeCase([1, 2, 4, 5], [2, 3, 3, 3], { strides: attr.ints([2, 2]), output_shape: attr.ints([8, 10]) }),
    );
  });
  for (const autoPad of ["SAME_UPPER", "SAME_LOWER", "VALID"]) {
    test(`auto_pad ${autoPad}, stride 2, odd total padding`, async () => {
      await expectOpMatches(
        convTransposeCase([1, 2, 4, 3], [2, 2, 4, 3], { auto_pad: attr.string(autoPad), strides: attr.ints([2, 2]) }),
      );
    });
  }
  test("1-D with stride 3 and pads", async () => {
    await expectOpMatches(
      convTransposeCase([2, 3, 7], [3, 4, 5], { strides: attr.ints([3]), pads: attr.ints([2, 1]) }),
    );
  });
  test("kernel_shape given explicitly", async () => {
    await expectOpMatches(
      convTransposeCase([1, 2, 3, 3], [2, 2, 3, 3], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }),
    );
  });
});
