import { test } from "bun:test";
import { fromNumbers } from "../../../src/graph/tensor.ts";
import type { DType } from "../../../src/graph/dtype.ts";
import { expectExact } from "./_tensors.ts";

const scalar = (type: DType, v: number) => fromNumbers(type, [v], []);

test("Range of floats accumulates in the element type, as onnxruntime does", async () => {
  for (const type of ["float32", "float64"] as const) {
    for (
      const [start, limit, delta] of [[0.1, 3, 0.3], [0, 1, 0.1], [5, -2.5, -0.7], [1, 1, 1], [2, 1, 0.5], [
        -1e3,
        1e3,
        7.3,
      ]]
    ) {
      await expectExact({
        op: "Range",
        inputs: [["a", scalar(type, start!)], ["b", scalar(type, limit!)], ["c", scalar(type, delta!)]],
      });
    }
  }
});

test("Range of integers counts up and down, empty when the limit is behind the start", async () => {
  for (const type of ["int16", "int32", "int64"] as const) {
    for (const [start, limit, delta] of [[0, 10, 3], [10, 1, -3], [-5, 5, 1], [3, 3, 1], [5, 0, 2]]) {
      await expectExact({
        op: "Range",
        inputs: [["a", scalar(type, start!)], ["b", scalar(type, limit!)], ["c", scalar(type, delta!)]],
        constants: ["c"],
      });
    }
  }
});
