// PP-OCR cls's MaxPool and rec's AveragePool run in the wasm pooling kernels in normal mode (inside the conv
// chain they end), and the models' outputs have exactly the bits of the fast ops unchained with those nodes on
// the TypeScript loops (seeded zoo feeds and rendered text).
import { describe, expect, test } from "bun:test";
import type { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import { executeGraph } from "../../src/runtime/executor.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { f32PoolOp } from "../../src/runtime/fast/f32_pool_ops.ts";
import { OPS } from "../../src/runtime/registry.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { clsInput, recInput, renderLine } from "../data/render_text.ts";
import { zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

const MODELS = [
  { model: "ppocr_cls", op: "MaxPool", rendered: () => ({ x: clsInput(renderLine("Edge devices 123")) }) },
  { model: "ppocr_rec", op: "AveragePool", rendered: () => ({ x: recInput(renderLine("Hello World 42")) }) },
] as const;

const bits = (t: Tensor) => [...new Uint32Array((t.data as Float32Array).slice().buffer)];

describe("wasm pooling keeps PP-OCR's outputs bit for bit", () => {
  for (const { model, op, rendered } of MODELS) {
    test(`${model}: its ${op} on the wasm kernel gives the TypeScript loop's bits`, async () => {
      const { model: m } = await InferenceSession.create(zooPath(model), { kernels: "reference" });
      const kernels = await loadKernels({ variant: "simd128" });
      const wasm = buildFastOps(m, kernels);
      const ts = new Map(buildFastOps(m, kernels, undefined, { chainConvs: false }));
      const pools = m.graph.nodes.filter((n) => n.op === op);
      expect(pools.length).toBeGreaterThan(0);
      for (const n of pools) ts.set(n, f32PoolOp(n, OPS.get(op)!)!);
      const opset = m.opsets[""] ?? 13;
      for (const feeds of [zooFeeds(model), rendered()]) {
        const f = new Map(Object.entries(feeds));
        const a = executeGraph(m.graph, f, opset, undefined, wasm);
        const b = executeGraph(m.graph, f, opset, undefined, ts);
        expect(a.map(bits)).toEqual(b.map(bits));
      }
      expect(kernels.ran().some((k) => k.startsWith(op === "MaxPool" ? "f32-maxpool2d-chw-" : "f32-avgpool2d-chw-")))
        .toBe(true);
    }, 30_000);
  }
});
