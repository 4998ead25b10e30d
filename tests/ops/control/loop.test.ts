import { describe, expect, test } from "bun:test";
import type { Node } from "../../../src/graph/graph.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, expectModelMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { graph, modelOf, node, vi } from "./_subgraph.ts";

const bool = (v: boolean) => new Tensor("bool", Uint8Array.of(v ? 1 : 0), []);
const f32 = (v: number) => new Tensor("float32", Float32Array.of(v), []);
const i64 = (v: number) => new Tensor("int64", BigInt64Array.of(BigInt(v)), []);

/** Body inputs: iteration number, condition, then the carried values. */
const header = [vi("i", "int64", []), vi("cond_in", "bool", [])];

// acc' = acc + x (x from the enclosing graph); scans: acc' * 2 and the iteration number.
const accumulate = graph(
  "accumulate",
  [...header, vi("acc", "float32", [2, 3])],
  [
    vi("cond_out", "bool", []),
    vi("acc_out", "float32", [2, 3]),
    vi("doubled", "float32", [2, 3]),
    vi("iter", "int64", []),
  ],
  [
    node("Identity", ["cond_in"], ["cond_out"]),
    node("Add", ["acc", "x"], ["acc_out"]),
    node("Mul", ["acc_out", "two"], ["doubled"]),
    node("Identity", ["i"], ["iter"]),
  ],
  { two: f32(2) },
);

// n' = n + 1; continue while n' < limit (limit from the enclosing graph); scan: n'.
const countUp = graph(
  "count_up",
  [...header, vi("n", "float32", [])],
  [vi("go", "bool", []), vi("n_out", "float32", []), vi("n_scan", "float32", [])],
  [
    node("Add", ["n", "one"], ["n_out"]),
    node("Less", ["n_out", "limit"], ["go"]),
    node("Identity", ["n_out"], ["n_scan"]),
  ],
  { one: f32(1) },
);

function loopModel(
  feeds: Record<string, Tensor>,
  inputs: string[],
  outputs: string[],
  body = accumulate,
  extra: Node[] = [],
) {
  return modelOf(feeds, outputs, [...extra, node("Loop", inputs, outputs, { body: attr.graph(body) })]);
}

describe("Loop matches onnxruntime", () => {
  test("with a trip count only: carried values, stacked scan outputs and the iteration number", async () => {
    for (const trips of [1, 5]) {
      const feeds = { M: i64(trips), acc0: randomTensor([2, 3], trips), x: randomTensor([2, 3], trips + 10) };
      await expectModelMatches(loopModel(feeds, ["M", "", "acc0"], ["acc", "doubled", "iters"]), feeds);
    }
  });

  test("with a condition only, stopping when the body's condition turns false", async () => {
    for (const limit of [3.5, 7]) {
      const feeds = { cond: bool(true), n0: f32(0), limit: f32(limit) };
      await expectModelMatches(loopModel(feeds, ["", "cond", "n0"], ["n", "ns"], countUp), feeds);
    }
  });

  test("with both a trip count and a condition, whichever ends first", async () => {
    for (const [trips, limit] of [[10, 4.5], [3, 100]] as const) {
      const feeds = { M: i64(trips), cond: bool(true), n0: f32(0.25), limit: f32(limit) };
      await expectModelMatches(loopModel(feeds, ["M", "cond", "n0"], ["n", "ns"], countUp), feeds);
    }
  });

  test("with a false initial condition, running no iteration", async () => {
    const feeds = { M: i64(4), cond: bool(false), n0: f32(1.5), limit: f32(10) };
    await expectModelMatches(loopModel(feeds, ["M", "cond", "n0"], ["n", "ns"], countUp), feeds);
  });

  test("with an If nested in the body that reads outer values and the iteration number", async () => {
    // acc' = i < 2 ? acc + x : acc * y, with x and y from the main graph; scan: acc'.
    const branches = {
      then_branch: attr.graph(graph("then", [], [vi("t", "float32", [2, 3])], [node("Add", ["acc", "x"], ["t"])])),
      else_branch: attr.graph(graph("else", [], [vi("e", "float32", [2, 3])], [node("Mul", ["acc", "y"], ["e"])])),
    };
    const body = graph(
      "body",
      [...header, vi("acc", "float32", [2, 3])],
      [vi("cond_out", "bool", []), vi("acc_out", "float32", [2, 3]), vi("acc_scan", "float32", [2, 3])],
      [
        node("Identity", ["cond_in"], ["cond_out"]),
        node("Less", ["i", "two"], ["early"]),
        node("If", ["early"], ["acc_out"], branches),
        node("Identity", ["acc_out"], ["acc_scan"]),
      ],
      { two: i64(2) },
    );
    const feeds = {
      M: i64(5),
      acc0: randomTensor([2, 3], 1),
      x: randomTensor([2, 3], 2),
      y: randomTensor([2, 3], 3, 0.5, 1.5),
    };
    await expectModelMatches(loopModel(feeds, ["M", "", "acc0"], ["acc", "scan"], body), feeds);
  });

  test("with the trip count computed by an earlier node", async () => {
    const feeds = { acc0: randomTensor([2, 3], 4), x: randomTensor([2, 3], 5) };
    const model = loopModel(feeds, ["M", "", "acc0"], ["acc", "doubled", "iters"], accumulate, [
      node("Add", ["m_a", "m_b"], ["M"]),
    ]);
    model.graph.initializers.set("m_a", i64(1));
    model.graph.initializers.set("m_b", i64(2));
    await expectModelMatches(model, feeds);
  });
});

test("Loop without a trip count or a condition is rejected when it runs, naming the node", async () => {
  const feeds = { acc0: randomTensor([2, 3], 1), x: randomTensor([2, 3], 2) };
  const session = await InferenceSession.create(loopModel(feeds, ["", "", "acc0"], ["acc", "doubled", "iters"]));
  expect(() => session.runSync(feeds)).toThrow(/Loop_acc.*would never end/);
});
