import { afterAll, describe, expect, test } from "bun:test";
import { tensorsToFormData, tensorToWire } from "../../src/client/wire_tensors.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { OutputAccumulator } from "../../device-agent/metrics.ts";
import { auth, makeApp, ndjsonLines, removeDir, tinyModel, tinyReference, upload } from "./_fixture.ts";

const { app, dir } = await makeApp();
afterAll(() => removeDir(dir));
const id = await upload(app, tinyModel());

const SAMPLES = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 3, 0], [0.5, -2, 0.25, 1]];
const refs = SAMPLES.map((s) => tinyReference(s));
const inputs = new Tensor("float32", new Float32Array(SAMPLES.flat()), [4, 1, 4]);
const expectedY = new Tensor("float32", new Float32Array(refs.flatMap((r) => r.y)), [4, 1, 3]);
const top = (v: number[]) => v.indexOf(Math.max(...v));
const labels = refs.map((r) => top(r.y));
labels[3] = (labels[3]! + 1) % 3; // one wrong label
const post = (body: BodyInit, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
  app.request(`/v1/models/${id}/eval`, { method: "POST", body, headers: auth(headers) });

describe("eval", () => {
  test("JSON dataset: progress per sample, then cosine 1, top-1 agreement 1 and label accuracy 3/4", async () => {
    const res = await post(JSON.stringify({
      inputs: { x: tensorToWire(inputs) },
      expected: { y: tensorToWire(expectedY) },
      labels,
    }));
    expect(res.status).toBe(200);
    const lines = await ndjsonLines(res);
    expect(lines.map((l) => l.type)).toEqual(["start", "progress", "progress", "progress", "progress", "result"]);
    const result = lines.at(-1)! as {
      samples: number;
      outputs: Record<string, Record<string, number>>;
      accuracy: unknown;
      latency: Record<string, number>;
    };
    expect(result.samples).toBe(4);
    expect(result.outputs.y!.cosine).toBeGreaterThan(0.9999999);
    expect(result.outputs.y!.maxAbsError).toBeLessThan(1e-6);
    expect(result.outputs.y!.top1Agreement).toBe(1);
    expect(result.outputs.y!.sqnrDb!).toBeGreaterThan(100);
    expect(result.accuracy).toEqual({ output: "y", top1: 0.75, correct: 3 });
    expect(result.latency.minMs).toBeLessThanOrEqual(result.latency.medianMs!);
  });

  test('options.memory "low" runs the model in low memory mode; an unknown mode is 400', async () => {
    const body = (memory: string) =>
      JSON.stringify({
        inputs: { x: tensorToWire(inputs) },
        expected: { y: tensorToWire(expectedY) },
        options: { memory },
      });
    const res = await post(body("low"));
    expect(res.status).toBe(200);
    const result = (await ndjsonLines(res)).at(-1)! as {
      type: string;
      outputs: Record<string, Record<string, number>>;
    };
    expect(result.type).toBe("result");
    expect(result.outputs.y!.cosine).toBeGreaterThan(0.9999); // no quantized weights: the float model
    const bad = await post(body("huge"));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  test(".npy parts (input.x, expected.logits, labels, options) give the same metrics as computed by hand", async () => {
    const noisy = refs.flatMap((r, i) => r.logits.map((v, j) => v + (i === 2 && j === 0 ? 0.5 : 0)));
    const form = tensorsToFormData({ x: inputs }, "input.");
    tensorsToFormData({ logits: new Tensor("float32", new Float32Array(noisy), [4, 1, 3]) }, "expected.", form);
    tensorsToFormData({ labels: new Tensor("int64", BigInt64Array.from(labels.map(BigInt)), [4]) }, "", form);
    form.append("options", JSON.stringify({ labelOutput: "logits" }));
    const res = await post(form, {});
    const result = (await ndjsonLines(res)).at(-1)! as {
      outputs: Record<string, Record<string, number>>;
      accuracy: { top1: number };
    };
    const acc = new OutputAccumulator();
    refs.forEach((r, i) => acc.add(Float32Array.from(r.logits), noisy.slice(i * 3, i * 3 + 3)));
    const byHand = acc.result();
    expect(result.outputs.logits!.maxAbsError).toBeCloseTo(0.5, 5);
    expect(result.outputs.logits!.sqnrDb).toBeCloseTo(byHand.sqnrDb!, 4);
    expect(result.outputs.logits!.cosine).toBeCloseTo(byHand.cosine, 6);
    expect(result.accuracy.top1).toBe(0.75);
  });

  test("datasets that do not fit the model are 422 input_mismatch; empty ones 400", async () => {
    const bad = [
      { inputs: {}, labels },
      { inputs: { x: tensorToWire(inputs) }, labels: [0, 1] },
      { inputs: { x: tensorToWire(inputs) }, expected: { nope: tensorToWire(expectedY) } },
      { inputs: { x: tensorToWire(inputs) }, labels, options: { labelOutput: "nope" } },
      { inputs: { x: { dtype: "float32", dims: [0, 1, 4], data: [] } }, labels: [] },
    ];
    for (const body of bad) {
      const res = await post(JSON.stringify(body));
      expect(res.status).toBe(422);
    }
    expect((await post(JSON.stringify({ inputs: { x: tensorToWire(inputs) } }))).status).toBe(400);
  });

  test("a sample that does not fit the model ends the stream with an error line", async () => {
    const wrong = new Tensor("float32", new Float32Array(8), [2, 1, 4]);
    const shortExpected = new Tensor("float32", new Float32Array(4), [2, 2]);
    const lines = await ndjsonLines(
      await post(JSON.stringify({ inputs: { x: tensorToWire(wrong) }, expected: { y: tensorToWire(shortExpected) } })),
    );
    expect(lines.at(-1)).toMatchObject({ type: "error", error: { code: "input_mismatch" } });
  });

  test("OutputAccumulator: zero error gives cosine 1 and SQNR null (infinite)", () => {
    const acc = new OutputAccumulator();
    acc.add([1, 2, 3], [1, 2, 3]);
    expect(acc.result()).toEqual({
      cosine: 1,
      minSampleCosine: 1,
      sqnrDb: null,
      maxAbsError: 0,
      meanAbsError: 0,
      top1Agreement: 1,
    });
  });
});
