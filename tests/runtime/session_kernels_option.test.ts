// Session options `kernels` and `memory`: the reference kernels still run everything, the wasm kernels
// report the names that ran, and `low` without wasm kernels behaves as `normal`.
import { describe, expect, test } from "bun:test";
import { InferenceSession } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

describe("session kernels option", () => {
  test('kernels: "reference" runs no fast kernels and agrees with the wasm kernels', async () => {
    const feeds = zooFeeds("ppocr_cls");
    const ref = await InferenceSession.create(zooPath("ppocr_cls"), { kernels: "reference" });
    const refOut = await ref.run(feeds);
    expect(ref.kernels).toEqual([]);
    expect(ref.kernelBackend).toBe("reference");
    expect(ref.fastNodeCount).toBe(0);
    const fast = await InferenceSession.create(zooPath("ppocr_cls"));
    expect(fast.kernels).toEqual([]); // nothing has run yet
    const fastOut = await fast.run(feeds);
    expect(["relaxed", "simd128", "scalar"]).toContain(fast.kernelBackend);
    expect(fast.fastNodeCount).toBeGreaterThan(0);
    expect(fast.kernels).toEqual([...fast.kernels].sort());
    expect(fast.kernels.every((k) => k.endsWith(`-${fast.kernelBackend}`))).toBe(true);
    for (const [name, r] of Object.entries(refOut)) {
      expect(agreement(fastOut[name]!, r).cosine).toBeGreaterThanOrEqual(0.99999);
    }
  });

  test('memory: "low" with reference kernels runs the dequantized model', async () => {
    const session = await InferenceSession.create(zooPath("silero_op18_ifless"), {
      memory: "low",
      kernels: "reference",
    });
    await session.run(zooFeeds("silero_op18_ifless"));
    expect(session.kernels).toEqual([]);
  });
});

test("a session whose model's outputs change after creation refuses to run with its fused kernels", async () => {
  const session = await InferenceSession.create(zooPath("ppocr_cls"));
  const graph = session.model.graph;
  const declared = graph.outputs;
  graph.outputs = [...declared, { name: graph.nodes[3]!.outputs[0]!, dtype: undefined, shape: undefined }];
  try {
    expect(() => session.runSync(zooFeeds("ppocr_cls"))).toThrow(/outputs changed after the session was created/);
  } finally {
    graph.outputs = declared;
  }
  expect(Object.keys(session.runSync(zooFeeds("ppocr_cls")))).toEqual(declared.map((o) => o.name));
});
