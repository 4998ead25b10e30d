import { describe, test } from "bun:test";
import { attr, expectModelMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { graph, modelOf, node, vi } from "./_subgraph.ts";

// s' = s + a_t * b_t (b from each step's slice, w from the enclosing graph scaling a); scans: s' and a_t.
const body = graph(
  "body",
  [vi("s", "float32", [3]), vi("a_t", "float32", [3]), vi("b_t", "float32", [3])],
  [vi("s_out", "float32", [3]), vi("y", "float32", [3]), vi("a_copy", "float32", [3])],
  [
    node("Mul", ["a_t", "b_t"], ["ab"]),
    node("Mul", ["ab", "w"], ["abw"]),
    node("Add", ["s", "abw"], ["s_out"]),
    node("Identity", ["s_out"], ["y"]),
    node("Identity", ["a_t"], ["a_copy"]),
  ],
);

describe("Scan matches onnxruntime", () => {
  test("running forwards along axis 0, with state, two scan inputs and an outer value", async () => {
    const feeds = {
      s0: randomTensor([3], 1),
      a: randomTensor([5, 3], 2),
      b: randomTensor([5, 3], 3),
      w: randomTensor([3], 4),
    };
    const model = modelOf(feeds, ["s", "ys", "as"], [
      node("Scan", ["s0", "a", "b"], ["s", "ys", "as"], { body: attr.graph(body), num_scan_inputs: attr.int(2) }),
    ]);
    await expectModelMatches(model, feeds);
  });

  test("with other input/output axes and directions", async () => {
    const feeds = {
      s0: randomTensor([3], 5),
      a: randomTensor([3, 4], 6),
      b: randomTensor([4, 3], 7),
      w: randomTensor([3], 8),
    };
    const model = modelOf(feeds, ["s", "ys", "as"], [
      node("Scan", ["s0", "a", "b"], ["s", "ys", "as"], {
        body: attr.graph(body),
        num_scan_inputs: attr.int(2),
        scan_input_axes: attr.ints([1, 0]),
        scan_input_directions: attr.ints([1, 0]),
        scan_output_axes: attr.ints([-1, 0]),
        scan_output_directions: attr.ints([0, 1]),
      }),
    ]);
    await expectModelMatches(model, feeds);
  });
});
