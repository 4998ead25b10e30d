import { describe, expect, test } from "bun:test";
import { UnsupportedOpError } from "../../../src/errors.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, expectOpMatches, type OpCase, opModel } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

/** A Conv case with weights (and bias) as initializers, as in real models. */
function convCase(
  xDims: number[],
  wDims: number[],
  attributes: OpCase["attributes"] = {},
  bias = true,
  seed = 1,
): OpCase {
  const inputs: OpCase["inputs"] = [
    ["x", randomTensor(xDims, seed)],
    ["w", randomTensor(wDims, seed + 1, -0.5, 0.5)],
  ];
  if (bias) inputs.push(["b", randomTensor([wDims[0]!], seed + 2)]);
  return { op: "Conv", inputs, constants: ["w", "b"], attributes };
}

describe("Conv matches onnxruntime", () => {
  test("2-D 3×3 with bias, pads 1, odd sizes", async () => {
    await expectOpMatches(convCase([1, 3, 7, 9], [5, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }));
  });
  test("stride 2 with asymmetric pads and no bias", async () => {
    await expectOpMatches(
      convCase([1, 4, 11, 8], [6, 4, 3, 2], { strides: attr.ints([2, 2]), pads: attr.ints([0, 1, 2, 1]) }, false),
    );
  });
  test("dilations and strides per axis, kernel_shape given", async () => {
    await expectOpMatches(
      convCase([2, 3, 13, 12], [4, 3, 3, 3], {
        dilations: attr.ints([2, 1]),
        strides: attr.ints([1, 2]),
        kernel_shape: attr.ints([3, 3]),
        pads: attr.ints([2, 0, 1, 1]),
      }),
    );
  });
  test("groups=2", async () => {
    await expectOpMatches(convCase([1, 4, 9, 7], [6, 2, 3, 3], { group: attr.int(2), pads: attr.ints([1, 1, 1, 1]) }));
  });
  test("depthwise (group = channels), stride 2", async () => {
    await expectOpMatches(
      convCase([1, 6, 10, 9], [6, 1, 3, 3], {
        group: attr.int(6),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
      }),
    );
  });
  test("depthwise 5×5 with dilation and asymmetric pads", async () => {
    await expectOpMatches(
      convCase([2, 4, 12, 11], [4, 1, 5, 5], {
        group: attr.int(4),
        dilations: attr.ints([1, 2]),
        pads: attr.ints([2, 3, 1, 4]),
      }),
    );
  });
  test("depthwise with channel multiplier 2", async () => {
    await expectOpMatches(convCase([1, 3, 8, 8], [6, 1, 3, 3], { group: attr.int(3) }));
  });
  for (const autoPad of ["SAME_UPPER", "SAME_LOWER", "VALID"]) {
    test(`auto_pad ${autoPad}, even kernel, stride 2`, async () => {
      await expectOpMatches(
        convCase([1, 2, 9, 10], [3, 2, 4, 2], { auto_pad: attr.string(autoPad), strides: attr.ints([2, 2]) }),
      );
    });
    test(`auto_pad ${autoPad}, depthwise`, async () => {
      await expectOpMatches(
        convCase([1, 3, 7, 6], [3, 1, 2, 3], { auto_pad: attr.string(autoPad), group: attr.int(3) }),
      );
    });
  }
  test("1×1 fast path, batch 2, channel counts not multiples of 4", async () => {
    await expectOpMatches(convCase([2, 18, 13, 11], [10, 18, 1, 1]));
  });
  test("1×1 with stride 2 goes through im2row", async () => {
    await expectOpMatches(convCase([1, 8, 9, 9], [5, 8, 1, 1], { strides: attr.ints([2, 2]) }));
  });
  test("1-D conv (Silero-like), stride 2, pads 2", async () => {
    await expectOpMatches(
      convCase([1, 4, 33], [7, 4, 5], { strides: attr.ints([2]), pads: attr.ints([2, 2]) }),
    );
  });
  test("1-D depthwise with dilation", async () => {
    await expectOpMatches(convCase([2, 5, 20], [5, 1, 3], { group: attr.int(5), dilations: attr.ints([3]) }));
  });
  test("3-D conv with pads and stride", async () => {
    await expectOpMatches(
      convCase([1, 2, 5, 6, 7], [3, 2, 3, 2, 3], {
        pads: attr.ints([1, 0, 1, 1, 1, 0]),
        strides: attr.ints([2, 1, 2]),
      }),
    );
  });
  test("larger 3×3 conv whose patches are built in two chunks", async () => {
    await expectOpMatches(convCase([1, 64, 96, 96], [6, 64, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }));
  });
});

describe("Conv load-time checks", () => {
  test("an unknown auto_pad value fails at load with the node name", async () => {
    const model = opModel(convCase([1, 1, 4, 4], [1, 1, 3, 3], { auto_pad: attr.string("SAME") }));
    const error = await InferenceSession.create(model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOpError);
    expect((error as Error).message).toContain("Conv_node");
  });
  test("a 4-D kernel fails at load", async () => {
    const model = opModel(convCase([1, 1, 3, 3, 3, 3], [1, 1, 1, 1, 1, 1], { kernel_shape: attr.ints([1, 1, 1, 1]) }));
    await expect(InferenceSession.create(model)).rejects.toThrow(UnsupportedOpError);
  });
});
