import { describe, expect, test } from "bun:test";
import { UnsupportedOpError } from "../../../src/errors.ts";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, expectOpMatches, type OpCase, opModel } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

const floats = (values: number[]) => new Tensor("float32", Float32Array.from(values), [values.length]);
const int64 = (values: number[]) => fromNumbers("int64", values, [values.length]);
const empty = new Tensor("float32", new Float32Array(0), [0]);

/** A Resize with constant roi/scales/sizes (opset 11+ input layout). */
function resizeCase(
  x: Tensor,
  how: { scales?: number[]; sizes?: number[]; roi?: number[] },
  attributes: NonNullable<OpCase["attributes"]>,
  opset = 13,
): OpCase {
  const roi = how.roi ? floats(how.roi) : empty;
  const inputs: OpCase["inputs"] = [["x", x], ["roi", roi], ["scales", how.scales ? floats(how.scales) : empty]];
  if (how.sizes) inputs.push(["sizes", int64(how.sizes)]);
  return { op: "Resize", inputs, constants: ["roi", "scales", "sizes"], attributes, opset };
}

const x4 = randomTensor([1, 2, 5, 7], 201);

describe("Resize nearest matches onnxruntime", () => {
  test("PP-OCR det: opset 11, asymmetric + floor, ×2 and ×4 with an empty roi", async () => {
    const a = { mode: attr.string("nearest"), coordinate_transformation_mode: attr.string("asymmetric") };
    const attributes = { ...a, nearest_mode: attr.string("floor") };
    await expectOpMatches(resizeCase(x4, { scales: [1, 1, 2, 2] }, attributes, 11));
    await expectOpMatches(resizeCase(x4, { scales: [1, 1, 4, 4] }, attributes, 11));
  });
  for (const nearest of ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]) {
    for (const coord of ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn"]) {
      test(`${nearest} with ${coord}, up and down by non-integer scales`, async () => {
        const attributes = {
          mode: attr.string("nearest"),
          nearest_mode: attr.string(nearest),
          coordinate_transformation_mode: attr.string(coord),
        };
        const opset = coord === "tf_half_pixel_for_nn" ? 12 : 13; // deprecated (and warned about) from 13
        await expectOpMatches(resizeCase(x4, { scales: [1, 1, 1.7, 2.5] }, attributes, opset));
        await expectOpMatches(resizeCase(x4, { scales: [1, 1, 0.6, 0.45] }, attributes, opset));
        await expectOpMatches(resizeCase(x4, { sizes: [1, 2, 1, 9] }, attributes, opset));
      });
    }
  }
  test("3-D input, sizes, and uint8 data", async () => {
    await expectOpMatches(resizeCase(randomTensor([2, 3, 6], 202), { sizes: [2, 3, 11] }, {}));
    const u8 = new Tensor("uint8", Uint8Array.from({ length: 30 }, (_, i) => (i * 29) % 256), [1, 1, 5, 6]);
    await expectOpMatches(resizeCase(u8, { scales: [1, 1, 2, 1.5] }, { nearest_mode: attr.string("floor") }));
  });
  test("tf_crop_and_resize with extrapolation", async () => {
    await expectOpMatches(
      resizeCase(x4, { roi: [0, 0, 0.2, -0.3, 1, 1, 1.2, 0.9], sizes: [1, 2, 6, 5] }, {
        coordinate_transformation_mode: attr.string("tf_crop_and_resize"),
        extrapolation_value: attr.float(-3),
      }),
    );
  });
});

describe("Resize linear and cubic match onnxruntime", () => {
  for (const coord of ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn"]) {
    test(`bilinear with ${coord}`, async () => {
      const attributes = { mode: attr.string("linear"), coordinate_transformation_mode: attr.string(coord) };
      const opset = coord === "tf_half_pixel_for_nn" ? 12 : 13;
      await expectOpMatches(resizeCase(x4, { scales: [1, 1, 2, 1.5] }, attributes, opset));
      await expectOpMatches(resizeCase(x4, { scales: [1, 1, 0.5, 0.7] }, attributes, opset));
      await expectOpMatches(resizeCase(x4, { sizes: [1, 2, 1, 12] }, attributes, opset));
    });
  }
  test("bilinear on a 2-D input and tf_crop_and_resize with extrapolation", async () => {
    await expectOpMatches(resizeCase(randomTensor([6, 5], 203), { scales: [1.5, 2] }, { mode: attr.string("linear") }));
    await expectOpMatches(
      resizeCase(x4, { roi: [0, 0, 0.1, -0.2, 1, 1, 0.8, 1.1], sizes: [1, 2, 7, 6] }, {
        mode: attr.string("linear"),
        coordinate_transformation_mode: attr.string("tf_crop_and_resize"),
        extrapolation_value: attr.float(0.5),
      }),
    );
  });
  for (const exclude of [0, 1]) {
    test(`bicubic, exclude_outside=${exclude}, two cubic_coeff_a values`, async () => {
      for (const a of [-0.75, -0.5]) {
        const attributes = {
          mode: attr.string("cubic"),
          cubic_coeff_a: attr.float(a),
          exclude_outside: attr.int(exclude),
        };
        await expectOpMatches(resizeCase(x4, { scales: [1, 1, 2, 1.6] }, attributes));
        await expectOpMatches(
          resizeCase(x4, { scales: [1, 1, 0.8, 0.5] }, {
            ...attributes,
            coordinate_transformation_mode: attr.string("align_corners"),
          }),
        );
      }
    });
  }
});

describe("Resize input forms match onnxruntime", () => {
  test("opset 18: axes with sizes, and keep_aspect_ratio_policy", async () => {
    await expectOpMatches(resizeCase(x4, { sizes: [9, 4] }, { axes: attr.ints([2, -1]) }, 18));
    for (const policy of ["not_larger", "not_smaller"]) {
      await expectOpMatches(
        resizeCase(x4, { sizes: [9, 10] }, {
          axes: attr.ints([2, 3]),
          keep_aspect_ratio_policy: attr.string(policy),
          mode: attr.string("linear"),
        }, 18),
      );
    }
  });
  test("opset 18: axes with scales; opset 13 with roi and scales omitted", async () => {
    await expectOpMatches(resizeCase(x4, { scales: [2, 0.5] }, { axes: attr.ints([3, 2]) }, 18));
    await expectOpMatches({
      op: "Resize",
      inputs: [["x", x4], null, null, ["sizes", int64([1, 2, 8, 3])]],
      constants: ["sizes"],
      attributes: { mode: attr.string("linear") },
      opset: 13,
    });
  });
  test("half_pixel_symmetric (opset 19)", async () => {
    for (const mode of ["nearest", "linear"]) {
      await expectOpMatches(
        resizeCase(x4, { scales: [1, 1, 1.7, 0.7] }, {
          mode: attr.string(mode),
          coordinate_transformation_mode: attr.string("half_pixel_symmetric"),
        }, 19),
      );
    }
  });
  test("Resize-10 (X, scales) nearest and linear", async () => {
    for (const mode of ["nearest", "linear"]) {
      for (const scales of [[1, 1, 2, 3], [1, 1, 0.6, 0.5]]) {
        await expectOpMatches({
          op: "Resize",
          inputs: [["x", x4], ["scales", floats(scales)]],
          constants: ["scales"],
          attributes: { mode: attr.string(mode) },
          opset: 10,
        });
      }
    }
  });
  test("Upsample opset 9 (scales input) and opset 7 (scales attribute)", async () => {
    for (const mode of ["nearest", "linear"]) {
      await expectOpMatches({
        op: "Upsample",
        inputs: [["x", x4], ["scales", floats([1, 1, 2, 1.5])]],
        constants: ["scales"],
        attributes: { mode: attr.string(mode) },
        opset: 9,
      });
      await expectOpMatches({
        op: "Upsample",
        inputs: [["x", x4]],
        attributes: { mode: attr.string(mode), scales: attr.floats([1, 1, 3, 2]) },
        opset: 7,
      });
    }
  });
  test("scales fed at run time", async () => {
    await expectOpMatches({
      ...resizeCase(x4, { scales: [1, 1, 2, 2] }, { mode: attr.string("linear") }),
      constants: [],
    });
  });
  test("antialias=1 fails at load", async () => {
    const model = opModel(resizeCase(x4, { scales: [1, 1, 0.5, 0.5] }, { antialias: attr.int(1) }, 18));
    await expect(InferenceSession.create(model)).rejects.toThrow(UnsupportedOpError);
  });
});
