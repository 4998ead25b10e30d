import { afterAll, describe, expect, test } from "bun:test";
import { DeviceClient, DeviceConnectionError, DeviceError, readNdjson, sha256Hex } from "../../src/client/mod.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { makeApp, removeDir, tinyModel, tinyReference, TOKEN } from "./_fixture.ts";

const { app, dir } = await makeApp();
afterAll(() => removeDir(dir));

/** A fetch that calls the app in-process; `failures` first calls throw like a refused connection. */
function appFetch(failures = 0): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const f = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    calls++;
    if (calls <= failures) return Promise.reject(new TypeError("fetch failed: connection refused"));
    return Promise.resolve(app.request(String(input), init));
  };
  return { fetch: f as typeof fetch, calls: () => calls };
}

const client = new DeviceClient("http://device.test:8080/", { token: TOKEN, fetch: appFetch().fetch, backoffMs: 1 });
const model = tinyModel();
const X = [1, 2, -1, 0.5];
const x = new Tensor("float32", new Float32Array(X), [1, 4]);

describe("DeviceClient", () => {
  test("push uploads once (sha256 id), then finds the model already there", async () => {
    const first = await client.push(model);
    expect(first).toEqual({ id: await sha256Hex(model), uploaded: true });
    expect((await client.push(model)).uploaded).toBe(false);
    const withWeight = await client.push(model, new Uint8Array([9, 9]));
    expect(withWeight.weight).toMatchObject({ kind: "weight", bytes: 2 });
    expect((await client.list()).map((m) => m.id)).toEqual([first.id]);
    expect((await client.model(first.id))?.weightBytes).toBe(2);
    expect(await client.model("0".repeat(64))).toBeUndefined();
  });

  test("health and info", async () => {
    expect((await client.health()).status).toBe("ok");
    expect((await client.info()).runtime.name).toBe("bun");
  });

  test("infer over .npy parts and over JSON gives the reference outputs", async () => {
    const id = await sha256Hex(model);
    for (const encoding of ["npy", "json"] as const) {
      const { outputs, runMs } = await client.infer(id, { x }, { encoding });
      expect(runMs).toBeGreaterThanOrEqual(0);
      const y = outputs.y!.data as Float32Array;
      tinyReference(X).y.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThan(1e-6));
    }
  });

  test("bench yields typed events and benchResult returns the result line", async () => {
    const id = await sha256Hex(model);
    const types: string[] = [];
    for await (const e of client.bench(id, { warmup: 1, repeat: 3, inputs: { x } })) types.push(e.type);
    expect(types).toEqual(["start", "progress", "progress", "progress", "progress", "result"]);
    const result = await client.benchResult(id, { repeat: 2 });
    expect(result.runsMs.length).toBe(2);
  });

  test("evaluate streams an eval; evalResult returns its metrics", async () => {
    const id = await sha256Hex(model);
    const ref = tinyReference(X);
    const dataset = {
      inputs: { x: new Tensor("float32", new Float32Array(X), [1, 1, 4]) },
      expected: { y: new Tensor("float32", new Float32Array(ref.y), [1, 1, 3]) },
      labels: new Tensor("int32", new Int32Array([ref.y.indexOf(Math.max(...ref.y))]), [1]),
    };
    const result = await client.evalResult(id, dataset);
    expect(result.outputs.y!.cosine).toBeGreaterThan(0.999999);
    expect(result.accuracy?.top1).toBe(1);
  });

  test("errors carry the agent's code; a failed job line throws DeviceError", async () => {
    const wrong = new DeviceClient("http://device.test", { token: "nope", fetch: appFetch().fetch });
    const denied = await wrong.list().catch((e) => e);
    expect(denied).toBeInstanceOf(DeviceError);
    expect(denied).toMatchObject({ status: 401, code: "unauthorized" });
    const missing = await client.infer("f".repeat(64), { x }).catch((e) => e);
    expect(missing).toMatchObject({ status: 404, code: "model_not_found" });
    const bad = await client.evalResult(await sha256Hex(model), {
      inputs: { x: new Tensor("float32", new Float32Array(4), [1, 1, 4]) },
      expected: { y: new Tensor("float32", new Float32Array(2), [1, 2]) },
    }).catch((e) => e);
    expect(bad).toMatchObject({ code: "input_mismatch" });
  });

  test("connection errors are retried with backoff; too many give DeviceConnectionError", async () => {
    const flaky = appFetch(2);
    const retried = new DeviceClient("http://device.test", {
      token: TOKEN,
      fetch: flaky.fetch,
      retries: 3,
      backoffMs: 1,
    });
    expect((await retried.health()).status).toBe("ok");
    expect(flaky.calls()).toBe(3);
    const down = appFetch(10);
    const failing = new DeviceClient("http://device.test", { fetch: down.fetch, retries: 2, backoffMs: 1 });
    const error = await failing.health().catch((e) => e);
    expect(error).toBeInstanceOf(DeviceConnectionError);
    expect(error.attempts).toBe(3);
    expect(down.calls()).toBe(3);
  });

  test("a bench stream that breaks mid-way is restarted with a retry event", async () => {
    const id = await sha256Hex(model);
    let calls = 0;
    const breaking = ((input: RequestInfo | URL, init?: RequestInit) => {
      calls++;
      return Promise.resolve(app.request(String(input), init)).then((res) => {
        if (calls > 1) return res;
        // The first answer delivers one line, then the connection "drops".
        const reader = res.body!.getReader();
        const body = new ReadableStream<Uint8Array>({
          async pull(c) {
            const { value } = await reader.read();
            c.enqueue(value!);
            c.error(new TypeError("connection reset"));
            await reader.cancel();
          },
        });
        return new Response(body, { headers: res.headers });
      });
    }) as typeof fetch;
    const device = new DeviceClient("http://device.test", { token: TOKEN, fetch: breaking, backoffMs: 1 });
    const types: string[] = [];
    for await (const e of device.bench(id, { warmup: 0, repeat: 1 })) types.push(e.type);
    expect(types).toEqual(["start", "retry", "start", "progress", "result"]);
  });

  test("readNdjson parses lines split across chunks and a last line without newline", async () => {
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const part of ['{"a":', '1}\n\n{"a"', ':2}\n{"a":3}']) c.enqueue(enc.encode(part));
        c.close();
      },
    });
    const values: unknown[] = [];
    for await (const v of readNdjson(body)) values.push(v);
    expect(values).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  test("the client rejects non-http URLs", () => {
    expect(() => new DeviceClient("ftp://x")).toThrow(TypeError);
  });

  test("delete removes the model", async () => {
    const id = await sha256Hex(model);
    await client.delete(id);
    expect(await client.list()).toEqual([]);
    expect(await client.delete(id).catch((e) => e.code)).toBe("model_not_found");
  });
});
