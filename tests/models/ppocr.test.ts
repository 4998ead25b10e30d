// PP-OCR zoo models (DESIGN.md §4) run through bitloop and onnxruntime-node on rendered text:
// every output within the foundation budget (cosine ≥ 0.99999, max abs err ≤ 1e-4 × max|ref|).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { clsInput, ctcDecode, detInput, recInput, renderLine, renderPage } from "../data/render_text.ts";
import { zooPath } from "../zoo/zoo.ts";

async function compare(model: string, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const ours = await (await InferenceSession.create(zooPath(model))).run(feeds);
  const ref = await ortRun(await ortSession(zooPath(model)), feeds);
  for (const [name, r] of Object.entries(ref)) {
    const o = ours[name];
    expect(o?.dims).toEqual(r.dims);
    const a = agreement(o!, r);
    expect(a.cosine).toBeGreaterThanOrEqual(0.99999);
    expect(a.maxAbsError).toBeLessThanOrEqual(1e-4 * a.maxAbsRef);
  }
  return ours;
}

describe("PP-OCR models match onnxruntime-node", () => {
  test("rec reads a rendered line exactly as onnxruntime does", async () => {
    const keys = readFileSync(zooPath("ppocr_keys"), "utf8").split("\n").filter((k) => k.length > 0);
    const out = await compare("ppocr_rec", { x: recInput(renderLine("Hello World 42")) });
    expect(ctcDecode(Object.values(out)[0]!, keys)).toBe("Hello World 42");
  });

  test("det text map matches on a rendered page", async () => {
    await compare("ppocr_det", { x: detInput(renderPage(["Invoice 2026-11-27", "Total: 42.50 EUR", "bitloop"])) });
  });

  test("cls matches on two rendered lines", async () => {
    for (const text of ["Edge devices 123", "sdot smmla i8mm"]) {
      await compare("ppocr_cls", { x: clsInput(renderLine(text)) });
    }
  });
});
