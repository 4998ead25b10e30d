import { expect, test } from "bun:test";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { opModel } from "../../_op_harness.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { bool, expectOpExact, int64, tensor } from "./_exact.ts";

test("Where broadcasts condition, X and Y three ways", async () => {
  const shapes: [number[], number[], number[]][] = [
    [[2, 3], [2, 3], [2, 3]],
    [[2, 1, 4], [3, 1], []],
    [[4], [2, 3, 4], [3, 1]],
    [[], [2, 3], [3]],
    [[1, 3, 1], [2, 1, 5], [1]],
  ];
  let seed = 50;
  for (const [sc, sx, sy] of shapes) {
    const c = randomTensor(sc, seed++);
    const cond = new Tensor("bool", Uint8Array.from(c.data as Float32Array, (v) => (v > 0 ? 1 : 0)), sc);
    await expectOpMatches({
      op: "Where",
      inputs: [["c", cond], ["x", randomTensor(sx, seed++)], ["y", randomTensor(sy, seed++)]],
    });
  }
});

test("Where selects int64, int32 and bool values exactly (attention-mask and shape patterns)", async () => {
  const cond = bool([1, 0, 1, 0, 0, 1], [2, 3]);
  await expectOpExact({
    op: "Where",
    inputs: [["c", cond], ["x", int64([2n ** 60n, -1n, 5n], [3])], ["y", int64([7n], [])]],
  });
  await expectOpExact({
    op: "Where",
    inputs: [["c", cond], ["x", tensor("int32", [1, 2], [2, 1])], ["y", tensor("int32", [-9], [1])]],
  });
  await expectOpExact({
    op: "Where",
    inputs: [["c", cond], ["x", tensor("float32", [-Infinity], [])], ["y", randomTensor([2, 3], 5)]],
  });
});

test("Where selects strings", async () => {
  const cond = bool([1, 0, 1], [3]);
  const x = new Tensor("string", ["a", "b", "c"], [3]), y = new Tensor("string", ["z"], [1]);
  await expectOpExact({ op: "Where", inputs: [["c", cond], ["x", x], ["y", y]] });
});

test("Where selects bool values (ONNX allows it; onnxruntime's CPU provider has no kernel, so checked by hand)", async () => {
  const c = bool([1, 0, 1, 0, 0, 1], [2, 3]), x = bool([1, 1, 0], [3]), y = bool([0, 1], [2, 1]);
  const session = await InferenceSession.create(opModel({ op: "Where", inputs: [["c", c], ["x", x], ["y", y]] }), {
    optimization: "none",
  });
  const out = (await session.run({ c, x, y })).out0!;
  expect(out.type).toBe("bool");
  expect([...out.dims]).toEqual([2, 3]);
  expect([...(out.data as Uint8Array)]).toEqual([1, 0, 0, 1, 1, 0]);
});
