import { afterAll, describe, expect, test } from "bun:test";
import { tensorsFromFormData, tensorsToFormData, tensorToWire } from "../../src/client/wire_tensors.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import {
  auth,
  compressedModel,
  makeApp,
  ndjsonLines,
  removeDir,
  tinyModel,
  tinyReference,
  unsupportedModel,
  upload,
} from "./_fixture.ts";

const { app, dir } = await makeApp();
afterAll(() => removeDir(dir));
const id = await upload(app, tinyModel());

const X = [0.5, -1, 2, 0.25];
const x = new Tensor("float32", new Float32Array(X), [1, 4]);
const post = (path: string, body: BodyInit, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
  app.request(path, { method: "POST", body, headers: auth(headers) });
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

function expectClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(Math.abs(actual[i]! - v)).toBeLessThan(1e-6));
}

describe("infer", () => {
  test("JSON in, JSON with base64 out, matching the reference", async () => {
    const res = await post(
      `/v1/models/${id}/infer`,
      JSON.stringify({ inputs: { x: { dtype: "float32", dims: [1, 4], data: X } } }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("Server-Timing")).toMatch(/^run;dur=/);
    const body = await res.json() as {
      outputs: Record<string, { dtype: string; dims: number[]; base64: string }>;
      runMs: number;
    };
    expect(Object.keys(body.outputs).sort()).toEqual(["logits", "y"]);
    expect(body.outputs.y!.dims).toEqual([1, 3]);
    const y = new Float32Array(Uint8Array.from(atob(body.outputs.y!.base64), (c) => c.charCodeAt(0)).buffer);
    expectClose(y, tinyReference(X).y);
  });

  test(".npy parts in and, with Accept: multipart/form-data, .npy parts out", async () => {
    const res = await app.request(`/v1/models/${id}/infer`, {
      method: "POST",
      body: tensorsToFormData({ x }),
      headers: auth({ Accept: "multipart/form-data" }),
    });
    expect(res.status).toBe(200);
    const out = await tensorsFromFormData(await res.formData());
    expectClose(out.logits!.data as Float32Array, tinyReference(X).logits);
  });

  test("JSON base64 input is accepted", async () => {
    const res = await post(`/v1/models/${id}/infer`, JSON.stringify({ inputs: { x: tensorToWire(x) } }));
    expect(res.status).toBe(200);
  });

  test("inputs that do not match the model are 422 input_mismatch", async () => {
    for (
      const inputs of [{}, { x: { dtype: "float32", dims: [1, 5], data: [1, 2, 3, 4, 5] } }, {
        x: { dtype: "int32", dims: [1, 4], data: [1, 2, 3, 4] },
      }, { x: tensorToWire(x), z: tensorToWire(x) }]
    ) {
      const res = await post(`/v1/models/${id}/infer`, JSON.stringify({ inputs }));
      expect(res.status).toBe(422);
      expect(await errorCode(res)).toBe("input_mismatch");
    }
  });

  test("malformed bodies are 400, other content types 415", async () => {
    for (
      const body of [
        "{",
        JSON.stringify({ inputs: { x: { dtype: "float32", dims: [1, 4], data: [1] } } }),
        JSON.stringify({ inputs: { x: { dtype: "complex", dims: [1], data: [1] } } }),
        JSON.stringify([1]),
      ]
    ) {
      const res = await post(`/v1/models/${id}/infer`, body);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("bad_request");
    }
    const npyGarbage = new FormData();
    npyGarbage.append("x", new Blob([new Uint8Array([1, 2, 3])]), "x.npy");
    expect((await app.request(`/v1/models/${id}/infer`, { method: "POST", body: npyGarbage, headers: auth() })).status)
      .toBe(400);
    const text = await post(`/v1/models/${id}/infer`, "x", { "Content-Type": "text/plain" });
    expect(text.status).toBe(415);
  });

  test("a body over the limit is 413", async () => {
    const { app: small, dir: d } = await makeApp({ maxBodyBytes: 100 });
    const smallId = await upload(small, tinyModel());
    const res = await small.request(`/v1/models/${smallId}/infer`, {
      method: "POST",
      body: JSON.stringify({ inputs: { x: { dtype: "float32", dims: [1, 4], data: X } }, pad: "x".repeat(200) }),
      headers: auth({ "Content-Type": "application/json" }),
    });
    expect(res.status).toBe(413);
    await removeDir(d);
  });

  test("an unknown model is 404; one that fails to load is 422 and the agent keeps serving", async () => {
    const missing = await post(`/v1/models/${"f".repeat(64)}/infer`, "{}");
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe("model_not_found");
    const garbage = await upload(app, new TextEncoder().encode("this is not a model at all"));
    const bad = await post(`/v1/models/${garbage}/infer`, "{}");
    expect(bad.status).toBe(422);
    expect(await errorCode(bad)).toBe("model_load_failed");
    const unsupported = await upload(app, unsupportedModel());
    const res = await post(`/v1/models/${unsupported}/bench`, "{}");
    expect(res.status).toBe(422);
    expect(await errorCode(res)).toBe("unsupported_op");
    expect((await post(`/v1/models/${id}/infer`, JSON.stringify({ inputs: { x: tensorToWire(x) } }))).status).toBe(200);
  });

  test("infer beyond the run queue is 503 overloaded with Retry-After", async () => {
    const { app: busy, dir: d } = await makeApp({ maxActiveRuns: 1, maxQueuedRuns: 0 });
    const busyId = await upload(busy, tinyModel());
    let finish!: () => void;
    const held = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ inputs: { x: tensorToWire(x) } })));
        finish = () => c.close();
      },
    });
    const first = busy.request(`/v1/models/${busyId}/infer`, {
      method: "POST",
      body: held,
      headers: auth({ "Content-Type": "application/json" }),
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = await busy.request(`/v1/models/${busyId}/infer`, {
      method: "POST",
      body: "{}",
      headers: auth({ "Content-Type": "application/json" }),
    });
    expect(second.status).toBe(503);
    expect(second.headers.get("Retry-After")).toBe("1");
    expect(await errorCode(second)).toBe("overloaded");
    finish();
    expect((await first).status).toBe(200);
    await removeDir(d);
  });
});

describe("bench", () => {
  test("streams start, warm-up and measure progress, then the result", async () => {
    const res = await post(`/v1/models/${id}/bench`, JSON.stringify({ warmup: 2, number: 3, repeat: 5 }));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/x-ndjson");
    const lines = await ndjsonLines(res);
    expect(lines.map((l) => l.type)).toEqual([
      "start",
      "progress",
      "progress",
      "progress",
      "progress",
      "progress",
      "progress",
      "progress",
      "result",
    ]);
    expect(lines[0]).toEqual({ type: "start", model: id, total: 7 });
    expect(lines.slice(1, 3).map((l) => l.phase)).toEqual(["warmup", "warmup"]);
    const result = lines.at(-1)!;
    const runs = result.runsMs as number[];
    expect(runs.length).toBe(5);
    expect(result.minMs).toBe(Math.min(...runs));
    expect(result.medianMs).toBe([...runs].sort((a, b) => a - b)[2]!);
    expect(result.p90Ms).toBe(Math.max(...runs));
    expect(result.number).toBe(3);
    expect(result.peakRssBytes as number).toBeGreaterThan(0);
    const kernels = result.kernels as string[]; // the names the session ran (wasm MatMul or the reference)
    expect(Array.isArray(kernels)).toBe(true);
    expect(kernels.length).toBeGreaterThan(0);
    for (const k of kernels) expect(typeof k).toBe("string");
    expect(kernels.some((k) => k.startsWith("qd8-"))).toBe(false); // normal mode: no int8 kernels
  });

  test("minRepeatMs grows number until a measurement (timed in the worker) lasts long enough", async () => {
    const res = await post(
      `/v1/models/${id}/bench`,
      JSON.stringify({ warmup: 0, number: 1, repeat: 2, minRepeatMs: 5 }),
    );
    const result = (await ndjsonLines(res)).at(-1)!;
    expect(result.type).toBe("result");
    expect(result.number as number).toBeGreaterThan(1); // one run of the tiny model takes microseconds
    for (const ms of result.runsMs as number[]) expect(ms * (result.number as number)).toBeGreaterThanOrEqual(5 - 1e-9);
  });

  test("bad options are 400", async () => {
    for (
      const body of [{ repeat: 0 }, { number: 1.5 }, { warmup: -1 }, { memory: "huge" }, { minRepeatMs: "5" }, {
        inputs: [],
      }]
    ) {
      const res = await post(`/v1/models/${id}/bench`, JSON.stringify(body));
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
    }
  });

  test('memory "low" on a 4-bit compressed model runs the qd8- kernels; normal mode does not', async () => {
    const low = await upload(app, await compressedModel());
    const bench = async (memory: "low" | "normal") => {
      const res = await post(`/v1/models/${low}/bench`, JSON.stringify({ memory, warmup: 1, repeat: 2 }));
      expect(res.status).toBe(200);
      const result = (await ndjsonLines(res)).at(-1)!;
      expect(result.type).toBe("result");
      return result.kernels as string[];
    };
    const lowKernels = await bench("low");
    expect(lowKernels.some((k) => k.startsWith("qd8-"))).toBe(true);
    expect(lowKernels).toEqual([...lowKernels].sort());
    expect((await bench("normal")).some((k) => k.startsWith("qd8-"))).toBe(false); // a different session
    const form = tensorsToFormData({});
    form.append("options", JSON.stringify({ memory: "low", warmup: 0, repeat: 1 }));
    const viaForm = (await ndjsonLines(
      await app.request(`/v1/models/${low}/bench`, {
        method: "POST",
        body: form,
        headers: auth(),
      }),
    )).at(-1)!;
    expect((viaForm.kernels as string[]).some((k) => k.startsWith("qd8-"))).toBe(true);
  });

  test('infer accepts memory "low" (JSON field or form field) and a bad mode is 400', async () => {
    const low = await upload(app, await compressedModel());
    const xs = new Tensor("float32", new Float32Array(64).map((_, i) => (i % 7) * 0.1 - 0.3), [1, 64]);
    const json = await post(
      `/v1/models/${low}/infer`,
      JSON.stringify({ inputs: { x: tensorToWire(xs) }, memory: "low" }),
    );
    expect(json.status).toBe(200);
    const form = tensorsToFormData({ x: xs });
    form.append("memory", "low");
    const viaForm = await app.request(`/v1/models/${low}/infer`, { method: "POST", body: form, headers: auth() });
    expect(viaForm.status).toBe(200);
    const bad = await post(`/v1/models/${low}/infer`, JSON.stringify({ inputs: { x: tensorToWire(xs) }, memory: "x" }));
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("bad_request");
  });

  test("given inputs are used; .npy parts with an options part work too", async () => {
    const form = tensorsToFormData({ x });
    form.append("options", JSON.stringify({ warmup: 0, repeat: 1 }));
    const res = await app.request(`/v1/models/${id}/bench`, { method: "POST", body: form, headers: auth() });
    expect((await ndjsonLines(res)).at(-1)!.type).toBe("result");
  });

  test("a second job on the same model is 429 with Retry-After; closing the stream frees the model", async () => {
    const first = await post(`/v1/models/${id}/bench`, JSON.stringify({ warmup: 0, repeat: 100000 }));
    const reader = first.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const second = await post(`/v1/models/${id}/eval`, "{}");
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await errorCode(second)).toBe("busy");
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 10));
    const third = await post(`/v1/models/${id}/bench`, JSON.stringify({ warmup: 0, repeat: 1 }));
    expect(third.status).toBe(200);
    expect((await ndjsonLines(third)).at(-1)!.type).toBe("result");
  });

  test("a job past its time limit ends with a job_timeout error line and frees the model", async () => {
    let t = 0;
    const { app: timed, dir: d } = await makeApp({ now: () => (t += 1000), jobTimeoutMs: 5000 });
    const timedId = await upload(timed, tinyModel());
    const run = () =>
      timed.request(`/v1/models/${timedId}/bench`, {
        method: "POST",
        body: JSON.stringify({ warmup: 0, repeat: 50 }),
        headers: auth({ "Content-Type": "application/json" }),
      });
    const lines = await ndjsonLines(await run());
    expect(lines.at(-1)).toEqual({
      type: "error",
      status: 504,
      error: { code: "job_timeout", message: expect.stringContaining("time limit") },
    });
    expect((await run()).status).toBe(200);
    await removeDir(d);
  });

  test("shutdown refuses new requests with 503 and stops a running job with an error line", async () => {
    const stop = new AbortController();
    const { app: closing, dir: d } = await makeApp({ signal: stop.signal });
    const closingId = await upload(closing, tinyModel());
    const res = await closing.request(`/v1/models/${closingId}/bench`, {
      method: "POST",
      body: JSON.stringify({ warmup: 0, repeat: 100000 }),
      headers: auth({ "Content-Type": "application/json" }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    stop.abort();
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    expect(text.trim().split("\n").at(-1)).toContain('"shutting_down"');
    const late = await closing.request("/v1/health");
    expect(late.status).toBe(503);
    expect(await errorCode(late)).toBe("shutting_down");
    await removeDir(d);
  });
});
