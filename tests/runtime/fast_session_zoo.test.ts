// Normal memory mode on the wasm kernels (Conv, MatMul, Gemm with packed weights and fused activations):
// every zoo model still matches onnxruntime-node within the foundation budget (cosine ≥ 0.99999, max abs
// err ≤ 1e-4 × max|ref|), on the seeded zoo feeds and, for PP-OCR, on rendered text — with the default exact
// precision and, for PP-OCR, with `precision: "fast"`.
import { describe, expect, test } from "bun:test";
import type { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession, type SessionOptions } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { clsInput, detInput, recInput, renderLine, renderPage } from "../data/render_text.ts";
import { ZOO_MODELS, zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

async function expectMatchesOrt(
  model: string,
  feedSets: Record<string, Tensor>[],
  options: SessionOptions = {},
): Promise<InferenceSession> {
  const session = await InferenceSession.create(zooPath(model), options);
  const ort = await ortSession(zooPath(model));
  for (const feeds of feedSets) {
    const ours = await session.run(feeds);
    const ref = await ortRun(ort, feeds);
    for (const [name, r] of Object.entries(ref)) {
      const o = ours[name];
      expect(o?.dims).toEqual(r.dims);
      const a = agreement(o!, r);
      expect(a.cosine).toBeGreaterThanOrEqual(0.99999);
      expect(a.maxAbsError).toBeLessThanOrEqual(1e-4 * a.maxAbsRef);
    }
  }
  return session;
}

const RENDERED: Record<string, () => Record<string, Tensor>> = {
  ppocr_rec: () => ({ x: recInput(renderLine("Hello World 42")) }),
  ppocr_det: () => ({ x: detInput(renderPage(["Invoice 2026-11-27", "Total: 42.50 EUR", "bitloop"])) }),
  ppocr_cls: () => ({ x: clsInput(renderLine("Edge devices 123")) }),
};

describe("normal mode with wasm kernels matches onnxruntime-node", () => {
  for (const model of ZOO_MODELS) {
    test(model, async () => {
      const rendered = RENDERED[model];
      const session = await expectMatchesOrt(model, [zooFeeds(model), ...(rendered ? [rendered()] : [])]);
      if (session.kernelBackend !== "reference" && model.startsWith("ppocr")) {
        expect(session.kernels.some((k) => k.startsWith("f32-conv2d-im2col-"))).toBe(true);
        expect(session.kernels.some((k) => k.startsWith("f32-dwconv2d-"))).toBe(true);
        // rec and cls have MatMul/Gemm weights (det's ConvTranspose runs as a 1×1 conv).
        if (model !== "ppocr_det") expect(session.kernels.some((k) => k.startsWith("f32-gemm-"))).toBe(true);
        // det's neck 3×3 stride-1 convs run Winograd F(2×2, 3×3).
        if (model === "ppocr_det") expect(session.kernels.some((k) => k.startsWith("f32-conv2d-winograd-"))).toBe(true);
      }
    }, 60_000);
  }
});

describe('precision: "fast" (fused multiply-add where the engine has relaxed SIMD) stays within the same budget', () => {
  for (const model of ["ppocr_det", "ppocr_rec", "ppocr_cls"] as const) {
    test(model, async () => {
      const session = await expectMatchesOrt(model, [zooFeeds(model), RENDERED[model]!()], { precision: "fast" });
      if (session.kernelBackend === "relaxed") {
        expect(session.kernels.some((k) => k.startsWith("f32-conv2d-") && k.endsWith("-relaxed"))).toBe(true);
      }
    }, 60_000);
  }
});
