// inferShapes() against the truth: every value of every zoo model is made a graph output, the model is
// run, and each fully inferred shape must equal the shape the run produced.
import { expect, test } from "bun:test";
import type { Dim } from "../../src/graph/graph.ts";
import { inferShapes } from "../../src/graph/passes/infer_shapes.ts";
import { evaluateNode } from "../../src/runtime/fold_constants.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { ZOO_MODELS, zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

for (const name of ZOO_MODELS) {
  test(`inferShapes() agrees with the executed shapes of ${name}`, async () => {
    // Reference kernels: the fast ops are planned for the declared outputs (a fused or chained node may pass
    // its input through), so exposing every value afterwards is only sound without them.
    const session = await InferenceSession.create(zooPath(name), { kernels: "reference" });
    const graph = session.model.graph;
    const feeds = zooFeeds(name);
    const dims: Record<string, number> = {};
    for (const input of graph.inputs) {
      input.shape?.forEach((d, i) => {
        if (typeof d === "string") dims[d] = feeds[input.name]!.dims[i]!;
      });
    }
    inferShapes(graph, {
      dims,
      evaluate: (node, inputs) => evaluateNode(node, inputs, session.model.opsets[""] ?? 17),
    });
    const inferred = new Map<string, Dim[]>();
    for (const [valueName, info] of graph.valueInfo) if (info.shape) inferred.set(valueName, info.shape);

    // Expose every node output of the main graph and run once.
    const declared = graph.outputs;
    graph.outputs = graph.nodes.flatMap((n) =>
      n.outputs.filter((o) => o).map((o) => ({ name: o, dtype: undefined, shape: undefined }))
    );
    const actual = await session.run(feeds);
    graph.outputs = declared;

    let checked = 0, complete = 0;
    for (const [valueName, shape] of inferred) {
      const t = actual[valueName];
      if (!t) continue;
      checked++;
      expect({ value: valueName, rank: shape.length }).toEqual({ value: valueName, rank: t.dims.length });
      shape.forEach((d, i) => {
        if (typeof d === "number") {
          expect({ value: valueName, axis: i, dim: d }).toEqual({ value: valueName, axis: i, dim: t.dims[i]! });
        }
      });
      if (shape.every((d) => typeof d === "number")) complete++;
    }
    // Most values of the CNNs must be fully known; the Silero graphs hide theirs inside If branches.
    expect(checked).toBeGreaterThan(0);
    if (name.startsWith("ppocr")) expect(complete / Object.keys(actual).length).toBeGreaterThan(0.9);
  });
}
