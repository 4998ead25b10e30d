// The client resumes a bench whose TCP connection drops mid-stream: a proxy between the client and the
// real agent (Deno and Bun) cuts the first bench connection after its first progress line; the client
// reports a retry event and re-runs the job to a result.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, createServer, type Server, type Socket } from "node:net";
import { DeviceClient, DeviceConnectionError } from "../../src/client/mod.ts";
import { type AgentProcess, type Runtime, startAgent, tokenFile } from "./_agent_process.ts";
import { removeDir, tempDir, tinyModel } from "./_fixture.ts";

const TOKEN = "resume-token-41b9";

/** A TCP proxy to `target` that cuts the first `cuts` bench connections once they carried a progress line. */
function cuttingProxy(target: URL, cuts: number): Promise<{ url: string; server: Server; cut: () => number }> {
  let done = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    let isBench = false;
    client.on("data", (chunk: Buffer) => {
      if (chunk.toString("latin1").startsWith("POST ") && chunk.toString("latin1").includes("/bench ")) isBench = true;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      client.write(chunk);
      if (isBench && done < cuts && chunk.toString("latin1").includes('"progress"')) {
        done++;
        client.destroy();
        upstream.destroy();
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, server, cut: () => done });
    })
  );
}

const agents: Partial<Record<Runtime, { agent: AgentProcess; dir: string }>> = {};
beforeAll(async () => {
  await Promise.all((["deno", "bun"] as const).map(async (runtime) => {
    const dir = await tempDir(`bitloop-resume-${runtime}-`);
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

// Measurements of at least 40 ms each, so the stream is still going when the proxy cuts it.
const BENCH = { warmup: 1, number: 1, repeat: 6, minRepeatMs: 40 };

for (const runtime of ["deno", "bun"] as const) {
  describe(`agent under ${runtime}`, () => {
    test("a bench whose connection drops mid-stream is re-run after a retry event", async () => {
      const { agent } = agents[runtime]!;
      const { id } = await new DeviceClient(agent.url, { token: TOKEN }).push(tinyModel());
      const proxy = await cuttingProxy(new URL(agent.url), 1);
      try {
        const device = new DeviceClient(proxy.url, { token: TOKEN, backoffMs: 20, retries: 6 });
        const types: string[] = [];
        let result: { runsMs: number[] } | undefined;
        for await (const e of device.bench(id, BENCH)) {
          types.push(e.type === "progress" ? `${e.type}:${e.phase}` : e.type);
          if (e.type === "retry") expect(e).toMatchObject({ attempt: 1, delayMs: expect.any(Number) });
          if (e.type === "result") result = e;
        }
        expect(proxy.cut()).toBe(1);
        const retry = types.indexOf("retry");
        expect(types.slice(0, retry)).toEqual(["start", "progress:warmup"].slice(0, retry));
        expect(types.slice(retry + 1)).toEqual([
          "start",
          "progress:warmup",
          ...Array<string>(BENCH.repeat).fill("progress:measure"),
          "result",
        ]);
        expect(result!.runsMs.length).toBe(BENCH.repeat);
      } finally {
        proxy.server.close();
      }
    });

    test("with resume off, a dropped bench fails with DeviceConnectionError", async () => {
      const { agent } = agents[runtime]!;
      const { id } = await new DeviceClient(agent.url, { token: TOKEN }).push(tinyModel());
      const proxy = await cuttingProxy(new URL(agent.url), 1);
      try {
        const device = new DeviceClient(proxy.url, { token: TOKEN, backoffMs: 20 });
        const failed = await device.benchResult(id, { ...BENCH, resume: false }).catch((e) => e);
        expect(failed).toBeInstanceOf(DeviceConnectionError);
      } finally {
        proxy.server.close();
      }
    });
  });
}
