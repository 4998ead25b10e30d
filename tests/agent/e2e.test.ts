// The real agent on 127.0.0.1 under Deno and under Bun, driven over HTTP by the client.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { DeviceClient, type DeviceError } from "../../src/client/mod.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { zooPath } from "../zoo/zoo.ts";
import { type AgentProcess, type Runtime, startAgent, tokenFile } from "./_agent_process.ts";
import { removeDir, symbolicReshapeModel, tempDir } from "./_fixture.ts";

const TOKEN = "e2e-token-5f2c9a";
const model = new Uint8Array(await readFile(zooPath("ppocr_cls")));
const local = await InferenceSession.create(model);

/** Two deterministic images [1, 3, 48, 192]. */
const images = [0, 1].map((k) => {
  const data = new Float32Array(3 * 48 * 192);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * (0.001 + k * 0.003)) * 0.8;
  return new Tensor("float32", data, [1, 3, 48, 192]);
});
const expected = images.map((x) => local.runSync({ x })[local.outputNames[0]!]!);

const agents: Partial<Record<Runtime, { agent: AgentProcess; dir: string }>> = {};
beforeAll(async () => {
  await Promise.all((["deno", "bun"] as const).map(async (runtime) => {
    const dir = await tempDir(`bitloop-e2e-${runtime}-`);
    const agent = await startAgent(runtime, ["--store", `${dir}/store`, "--token-file", await tokenFile(dir, TOKEN)]);
    agents[runtime] = { agent, dir };
  }));
}, 30_000);
afterAll(async () => {
  for (const a of Object.values(agents)) {
    a.agent.child.kill("SIGKILL");
    await removeDir(a.dir);
  }
});

for (const runtime of ["deno", "bun"] as const) {
  describe(`agent under ${runtime}`, () => {
    const client = () => new DeviceClient(agents[runtime]!.agent.url, { token: TOKEN, backoffMs: 10 });

    test("reports its runtime and refuses a missing token over the wire", async () => {
      const info = await client().info();
      expect(info.runtime.name).toBe(runtime);
      expect(info.arch).toBe(process.arch);
      const res = await fetch(`${agents[runtime]!.agent.url}/v1/models`);
      expect(res.status).toBe(401);
      expect(await new DeviceClient(agents[runtime]!.agent.url).list().catch((e: DeviceError) => e.code)).toBe(
        "unauthorized",
      );
    });

    test("push ppocr_cls, infer, bench, eval, delete", async () => {
      const device = client();
      const { id } = await device.push(model);
      expect((await device.list()).map((m) => m.id)).toEqual([id]);

      const { outputs } = await device.infer(id, { x: images[0]! });
      const out = outputs[local.outputNames[0]!]!;
      expect(out.dims).toEqual([1, 2]);
      expect(Array.from(out.data as Float32Array)).toEqual(Array.from(expected[0]!.data as Float32Array));

      const events: string[] = [];
      let result: Record<string, unknown> = {};
      for await (const e of device.bench(id, { warmup: 1, number: 1, repeat: 3, inputs: { x: images[0]! } })) {
        events.push(e.type === "progress" ? `${e.type}:${e.phase}` : e.type);
        if (e.type === "result") result = e as unknown as Record<string, unknown>;
      }
      expect(events).toEqual([
        "start",
        "progress:warmup",
        "progress:measure",
        "progress:measure",
        "progress:measure",
        "result",
      ]);
      expect((result.runsMs as number[]).length).toBe(3);
      expect((result.kernels as string[]).length).toBeGreaterThan(0); // the kernels the session ran
      // Without inputs the agent makes them up: seeded values, symbolic dims 1 on the batch axis, 64 elsewhere.
      const madeUp = await device.benchResult(id, { warmup: 0, repeat: 1 });
      expect(madeUp.runsMs.length).toBe(1);
      // A model the made-up shape does not fit fails with a typed error that says to send inputs.
      const { id: reshape } = await device.push(symbolicReshapeModel());
      const guessed = await device.benchResult(reshape, { warmup: 0, repeat: 1 }).catch((e: DeviceError) => e);
      expect(guessed).toMatchObject({ code: "run_failed", message: expect.stringContaining('send "inputs"') });
      await device.delete(reshape);

      const stacked = (ts: Tensor[]) => {
        const data = new Float32Array(ts.reduce((n, t) => n + t.size, 0));
        ts.forEach((t, i) => data.set(t.data as Float32Array, i * t.size));
        return new Tensor("float32", data, [ts.length, ...ts[0]!.dims]);
      };
      const labels = expected.map((e) => ((e.data as Float32Array)[0]! >= (e.data as Float32Array)[1]! ? 0 : 1));
      const evalResult = await device.evalResult(id, {
        inputs: { x: stacked(images) },
        expected: { [local.outputNames[0]!]: stacked(expected) },
        labels: new Tensor("int32", Int32Array.from(labels), [2]),
      });
      expect(evalResult.samples).toBe(2);
      expect(evalResult.outputs[local.outputNames[0]!]!.cosine).toBeGreaterThan(0.999999);
      expect(evalResult.accuracy).toMatchObject({ top1: 1, correct: 2 });

      await device.delete(id);
      expect(await device.list()).toEqual([]);
    });

    test("a client that disconnects mid-bench stops the job and frees the model", async () => {
      const { url } = agents[runtime]!.agent;
      const device = client();
      const { id } = await device.push(model);
      const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
      const gone = new AbortController();
      const stopped = (async () => {
        for await (
          const event of device.bench(id, { warmup: 0, repeat: 100000, inputs: { x: images[0]! }, signal: gone.signal })
        ) {
          if (event.type === "start") gone.abort(new Error("client stopped"));
        }
      })();
      await expect(stopped).rejects.toThrow("client stopped");
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const next = await fetch(`${url}/v1/models/${id}/bench`, { method: "POST", body: "{}", headers });
        status = next.status;
        await next.body?.cancel();
      }
      expect(status).toBe(200);
      await device.delete(id);
    });

    test("SIGTERM shuts the agent down cleanly", async () => {
      const dir = await tempDir(`bitloop-e2e-stop-${runtime}-`);
      const agent = await startAgent(runtime, ["--store", dir]);
      expect((await new DeviceClient(agent.url).health()).status).toBe("ok");
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
      expect(agent.output()).toContain("shutting down");
      await removeDir(dir);
    });
  });
}

test("the agent refuses a non-loopback bind without a token", async () => {
  const dir = await tempDir("bitloop-e2e-bind-");
  const started = await startAgent("bun", ["--store", dir, "--host", "0.0.0.0"]).catch((e: Error) => e.message);
  expect(String(started)).toContain("Refusing to bind 0.0.0.0 without a token");
  await removeDir(dir);
});
