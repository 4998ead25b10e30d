// Models run in workers: hard time limits, crashes, memory, and the bounded pool of workers.
import { afterAll, describe, expect, test } from "bun:test";
import { sha256Hex } from "../../src/client/device_client.ts";
import { tensorToWire } from "../../src/client/wire_tensors.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { AgentError } from "../../device-agent/agent_error.ts";
import { ModelPool } from "../../device-agent/model_pool.ts";
import { ModelRunner } from "../../device-agent/model_runner.ts";
import { ModelStore } from "../../device-agent/store.ts";
import {
  auth,
  foreverModel,
  hugeAllocModel,
  makeApp,
  ndjsonLines,
  removeDir,
  tempDir,
  tinyModel,
  upload,
} from "./_fixture.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

const x = new Tensor("float32", Float32Array.of(1, 2, 3, 4), [1, 4]);
const one = new Tensor("float32", Float32Array.of(0), [1]);
const json = (inputs: Record<string, Tensor>) =>
  JSON.stringify({ inputs: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, tensorToWire(t)])) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe("the agent with model workers", () => {
  test("a run past the hard time limit is stopped with 504 job_timeout while health and other models answer", async () => {
    const { app, dir } = await makeApp({ jobTimeoutMs: 1000 });
    dirs.push(dir);
    const forever = await upload(app, foreverModel());
    const tiny = await upload(app, tinyModel());
    const post = (id: string, body: string) =>
      app.request(`/v1/models/${id}/infer`, {
        method: "POST",
        body,
        headers: auth({ "Content-Type": "application/json" }),
      });

    let settled = false;
    const stuck = Promise.resolve(post(forever, json({ x: one }))).finally(() => (settled = true));
    const during: number[] = [];
    for (let i = 0; i < 3; i++) {
      during.push((await app.request("/v1/health")).status);
      during.push((await post(tiny, json({ x }))).status);
    }
    expect(settled).toBe(false); // all of the above was answered while the endless run went on
    expect(during).toEqual([200, 200, 200, 200, 200, 200]);

    const res = await stuck;
    expect(res.status).toBe(504);
    expect(await errorOf(res)).toEqual({ code: "job_timeout", message: expect.stringContaining("time limit") });
    expect((await post(tiny, json({ x }))).status).toBe(200);
    const listed = await (await app.request(`/v1/models/${forever}`, { headers: auth() })).json() as {
      loaded: boolean;
    };
    expect(listed.loaded).toBe(false); // its worker was terminated; the next request starts a new one
  });

  test("a bench past the limit ends with a job_timeout line (status 504) and frees the model", async () => {
    const { app, dir } = await makeApp({ jobTimeoutMs: 500 });
    dirs.push(dir);
    const forever = await upload(app, foreverModel());
    const bench = () =>
      app.request(`/v1/models/${forever}/bench`, {
        method: "POST",
        body: JSON.stringify({ warmup: 0, repeat: 1 }),
        headers: auth({ "Content-Type": "application/json" }),
      });
    const lines = await ndjsonLines(await bench());
    expect(lines.map((l) => l.type)).toEqual(["start", "error"]);
    expect(lines[1]).toMatchObject({ status: 504, error: { code: "job_timeout" } });
    const again = await bench();
    expect(again.status).toBe(200); // not 429: the lock went with the job
    await again.body!.cancel();
  });

  test("a worker that crashes is 500 worker_crashed, and the next request starts a new one", async () => {
    const workerUrl = new URL("./_crashing_worker.ts", import.meta.url);
    const { app, dir } = await makeApp({ workerUrl });
    dirs.push(dir);
    const id = await upload(app, tinyModel());
    for (let i = 0; i < 2; i++) {
      const res = await app.request(`/v1/models/${id}/infer`, {
        method: "POST",
        body: json({ x }),
        headers: auth({ "Content-Type": "application/json" }),
      });
      expect(res.status).toBe(500);
      expect(await errorOf(res)).toEqual({
        code: "worker_crashed",
        message: expect.stringContaining("simulated worker crash"),
      });
    }
    expect((await app.request("/v1/health")).status).toBe(200);
  });

  test("a run that cannot allocate its tensors is 507 out_of_memory and the model stays usable", async () => {
    const { app, dir } = await makeApp();
    dirs.push(dir);
    const id = await upload(app, hugeAllocModel());
    const run = (n: bigint) =>
      app.request(`/v1/models/${id}/infer`, {
        method: "POST",
        body: json({ shape: new Tensor("int64", BigInt64Array.of(n), [1]) }),
        headers: auth({ "Content-Type": "application/json" }),
      });
    const huge = await run(2n ** 34n);
    expect(huge.status).toBe(507);
    expect((await errorOf(huge)).code).toBe("out_of_memory");
    expect((await run(4n)).status).toBe(200);
  });
});

describe("ModelPool and ModelRunner", () => {
  async function pool(options: ConstructorParameters<typeof ModelPool>[1] = {}) {
    const dir = await tempDir();
    dirs.push(dir);
    const store = await ModelStore.open(dir);
    const put = async (bytes: Uint8Array) => {
      const id = await sha256Hex(bytes);
      await store.put(id, "model", new Response(bytes as Uint8Array<ArrayBuffer>).body);
      return id;
    };
    return { models: new ModelPool(store, options), put };
  }

  test("the RSS watchdog stops a running model with out_of_memory", async () => {
    let rss = 100;
    const { models, put } = await pool({ maxRssBytes: 1000, rssBytes: () => rss, watchIntervalMs: 5 });
    const id = await put(foreverModel());
    const lease = await models.acquire(id);
    const running = lease.runner.run({ x: one }, { timeoutMs: 60_000 });
    setTimeout(() => (rss = 2000), 20);
    await expect(running).rejects.toMatchObject({ code: "out_of_memory" });
    expect(lease.runner.alive).toBe(false);
    expect(models.loaded()).toEqual([]);
    lease.release();
  });

  test("at most maxWorkers live: the least recently used idle one is closed, and all in use is 503", async () => {
    const { models, put } = await pool({ maxWorkers: 1 });
    const a = await put(tinyModel());
    const b = await put(foreverModel());
    const leaseA = await models.acquire(a);
    await expect(models.acquire(b)).rejects.toMatchObject({ code: "overloaded", retryAfter: 1 });
    leaseA.release();
    const leaseB = await models.acquire(b);
    expect(models.loaded()).toEqual([b]);
    expect(leaseA.runner.alive).toBe(false);
    models.evict(b); // in use: closed once released
    expect(leaseB.runner.alive).toBe(true);
    leaseB.release();
    expect(leaseB.runner.alive).toBe(false);
  });

  test("a model in low and in normal memory mode are two workers, under the same maxWorkers cap", async () => {
    const { models, put } = await pool({ maxWorkers: 2 });
    const id = await put(tinyModel());
    const normal = await models.acquire(id);
    const low = await models.acquire(id, "low");
    expect(low.runner).not.toBe(normal.runner);
    expect([normal.runner.memory, low.runner.memory]).toEqual(["normal", "low"]);
    expect(models.loaded()).toEqual([id]);
    const other = await put(foreverModel());
    await expect(models.acquire(other)).rejects.toMatchObject({ code: "overloaded", retryAfter: 1 });
    low.release();
    const again = await models.acquire(id, "normal");
    expect(again.runner).toBe(normal.runner);
    again.release();
    models.evict(id); // both modes; the normal one once released
    expect(low.runner.alive).toBe(false);
    expect(normal.runner.alive).toBe(true);
    normal.release();
    expect(normal.runner.alive).toBe(false);
    expect(models.loaded()).toEqual([]);
  });

  test("a run that waits past its limit fails with job_timeout without stopping the busy worker", async () => {
    const { models, put } = await pool();
    const lease = await models.acquire(await put(foreverModel()));
    const busy = lease.runner.run({ x: one }, { timeoutMs: 60_000 }).catch((e: AgentError) => e);
    await expect(lease.runner.run({ x: one }, { timeoutMs: 30, what: "the second run" })).rejects.toMatchObject({
      code: "job_timeout",
      message: expect.stringContaining("before the second run could run"),
    });
    expect(lease.runner.alive).toBe(true);
    const third = lease.runner.run({ x: one }, { timeoutMs: 60_000 }).catch((e: AgentError) => e);
    lease.runner.stop(new AgentError("job_timeout", "stopped"));
    expect(await busy).toMatchObject({ code: "job_timeout" });
    expect(await third).toMatchObject({ code: "overloaded", retryAfter: 1 }); // it waited: retry on a new worker
    lease.release();
  });

  test("a runner that fails to load reports the model's error and stays dead", async () => {
    const runner = new ModelRunner("0".repeat(64));
    await expect(runner.load(new TextEncoder().encode("not a model"), undefined, 10_000)).rejects.toMatchObject({
      code: "model_load_failed",
    });
    expect(runner.alive).toBe(false);
  });
});
