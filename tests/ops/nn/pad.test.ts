import { describe, test } from "bun:test";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { attr, expectOpMatches, type OpCase } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

const int64 = (values: number[]) => fromNumbers("int64", values, [values.length]);

function padCase(x: Tensor, pads: number[], mode: string, extra: Partial<OpCase> = {}): OpCase {
  return {
    op: "Pad",
    inputs: [["x", x], ["pads", int64(pads)]],
    constants: ["pads"],
    attributes: { mode: attr.string(mode) },
    ...extra,
  };
}

describe("Pad matches onnxruntime", () => {
  test("constant mode on NCHW with a constant_value input", async () => {
    const c = padCase(randomTensor([1, 2, 3, 4], 101), [0, 1, 2, 1, 0, 0, 1, 3], "constant");
    await expectOpMatches({
      ...c,
      inputs: [...c.inputs, ["value", new Tensor("float32", new Float32Array([1.5]), [])]],
      constants: ["pads", "value"],
    });
  });
  test("constant mode defaults to zero; pads fed at run time", async () => {
    await expectOpMatches({ ...padCase(randomTensor([3, 5], 102), [1, 0, 2, 3], "constant"), constants: [] });
  });
  test("reflect on a 1-D signal (Silero-style)", async () => {
    await expectOpMatches(padCase(randomTensor([1, 3, 10], 103), [0, 0, 3, 0, 0, 4], "reflect"));
  });
  test("edge on 2-D, odd sizes", async () => {
    await expectOpMatches(padCase(randomTensor([1, 1, 5, 7], 104), [0, 0, 2, 3, 0, 0, 4, 1], "edge"));
  });
  test("wrap (opset 19)", async () => {
    await expectOpMatches(padCase(randomTensor([2, 5], 105), [1, 3, 2, 4], "wrap", { opset: 19 }));
  });
  for (const mode of ["constant", "reflect", "edge"]) {
    test(`negative pads crop (${mode})`, async () => {
      await expectOpMatches(padCase(randomTensor([2, 6, 7], 106), [0, -1, 2, 0, 2, -3], mode));
    });
  }
  test("axes input with a negative axis (opset 18)", async () => {
    const c = padCase(randomTensor([2, 3, 4, 5], 107), [1, 2, 2, 0], "reflect", { opset: 18 });
    await expectOpMatches({
      ...c,
      inputs: [...c.inputs, null, ["axes", int64([1, -1])]],
      constants: ["pads", "axes"],
    });
  });
  test("attribute form (opset 2) with value", async () => {
    await expectOpMatches({
      op: "Pad",
      inputs: [["x", randomTensor([2, 3], 108)]],
      attributes: { pads: attr.ints([1, 0, 0, 2]), value: attr.float(-7), mode: attr.string("constant") },
      opset: 10,
    });
    await expectOpMatches({
      op: "Pad",
      inputs: [["x", randomTensor([1, 4, 3], 109)]],
      attributes: { pads: attr.ints([0, 2, 1, 0, 1, 2]), mode: attr.string("reflect") },
      opset: 10,
    });
  });
  test("int64 data with an int64 constant_value", async () => {
    const x = fromNumbers("int64", [1, -2, 3, 4, 5, 6], [2, 3]);
    const c = padCase(x, [1, 1, 0, 2], "constant");
    await expectOpMatches({
      ...c,
      inputs: [...c.inputs, ["value", fromNumbers("int64", [-9], [])]],
      constants: ["pads", "value"],
    });
  });
  test("wide constant pads copy rows as blocks", async () => {
    await expectOpMatches(padCase(randomTensor([1, 2, 4, 64], 110), [0, 0, 1, 3, 0, 0, 2, 5], "constant"));
  });
});
