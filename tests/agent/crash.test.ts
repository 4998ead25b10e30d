// Crash safety: kill -9 the agent in the middle of an upload, restart it on the same store.
import { describe, expect, test } from "bun:test";
import { request } from "node:http";
import { readdir, readFile, stat } from "node:fs/promises";
import { DeviceClient, sha256Hex } from "../../src/client/mod.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { type Runtime, startAgent, tokenFile } from "./_agent_process.ts";
import { removeDir, tempDir, tinyModel, tinyReference } from "./_fixture.ts";

const TOKEN = "crash-token-77";

/** Resolves once `dir` holds a file of at least `bytes` bytes (polling the file system). */
async function fileGrows(dir: string, bytes: number): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    for (const name of await readdir(dir)) {
      const size = (await stat(`${dir}/${name}`).catch(() => undefined))?.size ?? 0;
      if (size >= bytes) return name;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no file of ${bytes} bytes appeared in ${dir}`);
}

for (const runtime of ["deno", "bun"] as const satisfies readonly Runtime[]) {
  describe(`crash safety under ${runtime}`, () => {
    test(
      "kill -9 during an upload: after restart no partial model is listed or served, earlier models intact",
      async () => {
        const dir = await tempDir(`bitloop-crash-${runtime}-`);
        const args = ["--store", `${dir}/store`, "--token-file", await tokenFile(dir, TOKEN)];
        const first = await startAgent(runtime, args);
        const earlier = tinyModel();
        const { id: earlierId } = await new DeviceClient(first.url, { token: TOKEN }).push(earlier);

        // A 4 MiB upload sent slowly: the first 256 KiB, then nothing until the agent is killed.
        const big = new Uint8Array(4 << 20).map((_, i) => (i * 7) & 0xff);
        const bigId = await sha256Hex(big);
        const url = new URL(first.url);
        const req = request({
          host: url.hostname,
          port: url.port,
          method: "PUT",
          path: `/v1/models/${bigId}`,
          headers: {
            Authorization: `Bearer ${TOKEN}`,
            "Content-Length": String(big.length),
            "Content-Type": "application/octet-stream",
          },
        });
        req.on("error", () => {}); // the connection dies with the agent
        req.write(big.subarray(0, 256 << 10));
        const part = await fileGrows(`${dir}/store/tmp`, 128 << 10);
        expect(part).toMatch(/\.part$/);
        first.child.kill("SIGKILL");
        expect(await first.exited).toBe("SIGKILL");
        req.destroy();
        expect(await readdir(`${dir}/store/tmp`)).toEqual([part]); // the half-written temp file is still there

        const second = await startAgent(runtime, args);
        try {
          const device = new DeviceClient(second.url, { token: TOKEN });
          expect((await device.list()).map((m) => m.id)).toEqual([earlierId]);
          expect(await device.model(bigId)).toBeUndefined();
          expect(await readdir(`${dir}/store/tmp`)).toEqual([]);
          expect(await sha256Hex(new Uint8Array(await readFile(`${dir}/store/models/${earlierId}.model`)))).toBe(
            earlierId,
          );
          const x = [1, 2, 3, 4];
          const { outputs } = await device.infer(earlierId, { x: new Tensor("float32", new Float32Array(x), [1, 4]) });
          const y = outputs.y!.data as Float32Array;
          tinyReference(x).y.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThan(1e-6));
          // The interrupted upload can simply be sent again.
          expect((await device.push(big)).uploaded).toBe(true);
          expect((await device.list()).map((m) => m.id).sort()).toEqual([earlierId, bigId].sort());
        } finally {
          second.child.kill("SIGKILL");
          await removeDir(dir);
        }
      },
      20_000,
    );
  });
}
