// The real agent under Deno and under Bun with a 1 s job limit: an endless model is stopped by
// terminating its worker while the agent keeps answering, and the agent serves the next request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DeviceClient, type DeviceError } from "../../src/client/mod.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { type AgentProcess, type Runtime, startAgent, tokenFile } from "./_agent_process.ts";
import { foreverModel, hugeAllocModel, removeDir, tempDir, tinyModel } from "./_fixture.ts";

const TOKEN = "limits-token-7d1e";
const x = new Tensor("float32", Float32Array.of(1, 2, 3, 4), [1, 4]);
const n0 = new Tensor("float32", Float32Array.of(0), [1]);

const agents: Partial<Record<Runtime, { agent: AgentProcess; dir: string }>> = {};
beforeAll(async () => {
  await Promise.all((["deno", "bun"] as const).map(async (runtime) => {
    const dir = await tempDir(`bitloop-limits-${runtime}-`);
    const args = ["--store", `${dir}/store`, "--token-file", await tokenFile(dir, TOKEN), "--job-timeout-s", "1"];
    agents[runtime] = { agent: await startAgent(runtime, args), dir };
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
    const client = () => new DeviceClient(agents[runtime]!.agent.url, { token: TOKEN, retries: 0 });

    test("an endless run ends in 504 job_timeout while /v1/health and other models keep answering", async () => {
      const device = client();
      const forever = (await device.push(foreverModel())).id;
      const tiny = (await device.push(tinyModel())).id;
      await device.infer(tiny, { x }); // loaded before the endless run starts
      let settled = false;
      const stuck = device.infer(forever, { x: n0 }).catch((e: DeviceError) => e).finally(() => (settled = true));
      const answers: string[] = [];
      for (let i = 0; i < 3; i++) {
        answers.push((await device.health()).status);
        answers.push(Object.keys((await device.infer(tiny, { x })).outputs).sort().join(","));
      }
      expect(settled).toBe(false);
      expect(answers).toEqual(["ok", "logits,y", "ok", "logits,y", "ok", "logits,y"]);
      expect(await stuck).toMatchObject({ status: 504, code: "job_timeout" });

      // A bench of it ends with an error line; then the agent serves the next request.
      const bench = await device.benchResult(forever, { warmup: 0, repeat: 1, inputs: { x: n0 } }).catch((e) => e);
      expect(bench).toMatchObject({ status: 504, code: "job_timeout" });
      expect((await device.infer(tiny, { x })).outputs.y!.dims).toEqual([1, 3]);
      expect(agents[runtime]!.agent.child.exitCode).toBe(null);
    });

    test("a run that cannot allocate its tensors is 507 out_of_memory, and the agent lives on", async () => {
      const device = client();
      const { id } = await device.push(hugeAllocModel());
      const shape = (n: bigint) => ({ shape: new Tensor("int64", BigInt64Array.of(n), [1]) });
      expect(await device.infer(id, shape(2n ** 34n)).catch((e: DeviceError) => e)).toMatchObject({
        status: 507,
        code: "out_of_memory",
      });
      expect((await device.infer(id, shape(3n))).outputs.y!.dims).toEqual([3]);
    });
  });
}
