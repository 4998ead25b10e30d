// The agent as arm64 Deno and Bun under qemu-aarch64-static, driven from the host over 127.0.0.1.
// Runs with `npm run test:arm64` (which fetches the runtimes first); skipped otherwise.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { arm64Binary } from "../../device-agent/arm64/fetch_runtimes.ts";
import { OutputAccumulator } from "../../device-agent/metrics.ts";
import { DeviceClient } from "../../src/client/mod.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { zooPath } from "../zoo/zoo.ts";
import { type AgentProcess, startAgent, tokenFile } from "./_agent_process.ts";
import { removeDir, tempDir } from "./_fixture.ts";

const enabled = process.env.BITLOOP_ARM64 === "1";
const TOKEN = "arm64-token-3e1d";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup) await f();
});

async function start(runtime: "deno" | "bun", cpu: string): Promise<{ agent: AgentProcess; client: DeviceClient }> {
  const binary = arm64Binary(runtime);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run bun device-agent/arm64/fetch_runtimes.ts`);
  const dir = await tempDir(`bitloop-arm64-${runtime}-`);
  const args = ["--store", `${dir}/store`, "--token-file", await tokenFile(dir, TOKEN)];
  const agent = await startAgent(runtime, args, { arm64Binary: binary, cpu });
  cleanup.push(async () => {
    agent.child.kill("SIGKILL");
    await removeDir(dir);
  });
  return { agent, client: new DeviceClient(agent.url, { token: TOKEN, backoffMs: 100 }) };
}

// What each emulated CPU must report (DESIGN.md §3).
const CPUS = {
  "max": { dotprod: true, i8mm: true },
  "cortex-a76": { dotprod: true, i8mm: false },
  "cortex-a53": { dotprod: false, i8mm: false },
} as const;

const RUNTIMES = ["deno", "bun"] as const;
const started = new Map<string, { agent: AgentProcess; client: DeviceClient }>();

describe.skipIf(!enabled)("arm64 agent under qemu", () => {
  // Emulated start-up is slow (about 13 s for Deno, 4 s for Bun here): start all six agents at once.
  beforeAll(async () => {
    await Promise.all(
      RUNTIMES.flatMap((runtime) =>
        Object.keys(CPUS).map(async (cpu) => started.set(`${runtime}/${cpu}`, await start(runtime, cpu)))
      ),
    );
  }, 300_000);

  for (const runtime of RUNTIMES) {
    for (const [cpu, features] of Object.entries(CPUS)) {
      test(
        `${runtime} on ${cpu}: GET /v1/device reports arm64 and dotprod=${features.dotprod}, i8mm=${features.i8mm}`,
        async () => {
          const { client } = started.get(`${runtime}/${cpu}`)!;
          const info = await client.info();
          expect(info.arch).toBe("arm64");
          expect(info.runtime.name).toBe(runtime);
          expect(info.cpu.featureSource).toBe("auxv");
          expect(info.cpu.features).toMatchObject({
            asimd: true,
            ...features,
            wasmSimd128: true,
            wasmRelaxedSimd: true,
          });
        },
        120_000,
      );
    }

    test(`${runtime} on max: push ppocr_cls, infer, bench, eval, delete`, async () => {
      const { client } = started.get(`${runtime}/max`)!;
      const model = new Uint8Array(await readFile(zooPath("ppocr_cls")));
      const local = await InferenceSession.create(model);
      const name = local.outputNames[0]!;
      const data = new Float32Array(3 * 48 * 192).map((_, i) => Math.sin(i * 0.002) * 0.8);
      const x = new Tensor("float32", data, [1, 3, 48, 192]);
      const expected = local.runSync({ x })[name]!;

      const { id } = await client.push(model);
      const { outputs } = await client.infer(id, { x });
      const acc = new OutputAccumulator();
      acc.add(outputs[name]!.data as Float32Array, expected.data as Float32Array);
      expect(acc.result().cosine).toBeGreaterThan(0.99999);
      expect(acc.result().maxAbsError).toBeLessThan(1e-4);

      const bench = await client.benchResult(id, { warmup: 1, repeat: 2, inputs: { x } });
      expect(bench.runsMs.length).toBe(2);
      const evaluated = await client.evalResult(id, {
        inputs: { x: new Tensor("float32", data, [1, 1, 3, 48, 192]) },
        expected: { [name]: new Tensor("float32", expected.data as Float32Array, [1, 1, 2]) },
      });
      expect(evaluated.outputs[name]!.cosine).toBeGreaterThan(0.99999);
      await client.delete(id);
      expect(await client.list()).toEqual([]);
    }, 300_000);
  }
});
