import { describe, expect, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, expectModelMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { graph, modelOf, node, vi } from "./_subgraph.ts";

const bool = (v: boolean, dims: number[] = []) => new Tensor("bool", Uint8Array.of(v ? 1 : 0), dims);
const scalar = (v: number) => new Tensor("float32", Float32Array.of(v), []);

// then: (x + y, x); else: (x * 2, y), 2 being a branch-local initializer. Both read x and y from the
// enclosing graph.
const thenBranch = graph("then", [], [vi("t0", "float32", [2, 3]), vi("t1", "float32", [2, 3])], [
  node("Add", ["x", "y"], ["t0"]),
  node("Identity", ["x"], ["t1"]),
]);
const elseBranch = graph(
  "else",
  [],
  [vi("e0", "float32", [2, 3]), vi("e1", "float32", [2, 3])],
  [node("Mul", ["x", "two"], ["e0"]), node("Identity", ["y"], ["e1"])],
  { two: scalar(2) },
);
const branches = { then_branch: attr.graph(thenBranch), else_branch: attr.graph(elseBranch) };

describe("If matches onnxruntime", () => {
  test("taking either branch, on a scalar or one-element condition, reading outer values", async () => {
    const x = randomTensor([2, 3], 1);
    const y = randomTensor([2, 3], 2);
    for (const cond of [bool(true), bool(false), bool(true, [1]), bool(false, [1])]) {
      const feeds = { cond, x, y };
      await expectModelMatches(modelOf(feeds, ["a", "b"], [node("If", ["cond"], ["a", "b"], branches)]), feeds);
    }
  });

  test("on a condition computed in the graph, with nested Ifs reading values two scopes out", async () => {
    // outer: c = max(x) > 0; If(c) then { If(c2) then x+y else x*2 } else { y }.
    const inner = {
      then_branch: attr.graph(
        graph("inner_then", [], [vi("it", "float32", [2, 3])], [node("Add", ["x", "y"], ["it"])]),
      ),
      else_branch: attr.graph(
        graph("inner_else", [], [vi("ie", "float32", [2, 3])], [node("Mul", ["x", "two"], ["ie"])], { two: scalar(2) }),
      ),
    };
    const outer = {
      then_branch: attr.graph(
        graph("outer_then", [], [vi("ot", "float32", [2, 3])], [node("If", ["c2"], ["ot"], inner)]),
      ),
      else_branch: attr.graph(
        graph("outer_else", [], [vi("oe", "float32", [2, 3])], [node("Identity", ["y"], ["oe"])]),
      ),
    };
    // x all positive for seeds 3 and 4 (outer then), all negative for 5 (outer else).
    for (const [seed, c2] of [[3, true], [4, false], [5, true]] as const) {
      const x = seed < 5 ? randomTensor([2, 3], seed, 0.1, 1) : randomTensor([2, 3], seed, -1, -0.1);
      const y = randomTensor([2, 3], seed + 10);
      const feeds = { x, y, c2: bool(c2) };
      const model = modelOf(feeds, ["out"], [
        node("ReduceMax", ["x"], ["mx"], { keepdims: attr.int(0) }),
        node("Greater", ["mx", "zero"], ["c"]),
        node("If", ["c"], ["out"], outer),
      ], { zero: scalar(0) });
      await expectModelMatches(model, feeds);
    }
  });
});

test("If rejects a condition with more than one element, naming the node", async () => {
  const feeds = {
    cond: new Tensor("bool", Uint8Array.of(1, 0), [2]),
    x: randomTensor([2, 3], 1),
    y: randomTensor([2, 3], 2),
  };
  const session = await InferenceSession.create(
    modelOf(feeds, ["a", "b"], [node("If", ["cond"], ["a", "b"], branches)]),
  );
  expect(() => session.runSync(feeds)).toThrow(/If_a.*exactly one element/);
});

test("If is rejected at load time when a branch's output count differs from the node's", async () => {
  const feeds = { cond: bool(true), x: randomTensor([2, 3], 1), y: randomTensor([2, 3], 2) };
  const model = modelOf(feeds, ["a"], [node("If", ["cond"], ["a"], branches)]);
  await expect(InferenceSession.create(model)).rejects.toThrow(/branch "then" has 2 outputs; the node has 1/);
});
