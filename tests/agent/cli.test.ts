// The real CLI: `bitloop agent` serves on 127.0.0.1, and `bitloop device ...` (spawned under Bun and Deno)
// drives it: info, push, list, bench, eval, delete, plus the exit codes of refused and unreachable requests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { writeNpy } from "../../src/formats/npy/write_npy.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { ROOT, type Runtime, tokenFile } from "./_agent_process.ts";
import { removeDir, tempDir, tinyModel, tinyReference } from "./_fixture.ts";

const TOKEN = "cli-token-93ac";
const MOD = `${ROOT}mod.ts`;

function command(runtime: Runtime, args: readonly string[]): [string, string[]] {
  return runtime === "deno"
    ? [`${ROOT}node_modules/.bin/deno`, ["run", "-A", MOD, ...args]]
    : [`${ROOT}node_modules/.bin/bun`, [MOD, ...args]];
}

/** Runs `bitloop ...` to its end. */
function cli(
  runtime: Runtime,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const [cmd, argv] = command(runtime, args);
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

let dir = "";
let agent: ChildProcess;
let url = "";
let exited: Promise<number | null>;
let auth: string[] = [];
let files: Record<string, string> = {};

beforeAll(async () => {
  dir = await tempDir("bitloop-cli-");
  const token = await tokenFile(dir, TOKEN);
  auth = ["--token-file", token];
  const [cmd, argv] = command("deno", ["agent", "--store", `${dir}/store`, "--port", "0", "--token-file", token]);
  agent = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  exited = new Promise((resolve) => agent.on("exit", (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    let text = "";
    agent.stdout!.on("data", (c: Buffer) => {
      text += c.toString();
      const match = /listening on (\S+)/.exec(text);
      if (match) resolve(match[1]!);
    });
    agent.stderr!.on("data", (c: Buffer) => (text += c.toString()));
    exited.then((code) => reject(new Error(`bitloop agent exited with ${code}: ${text}`)));
  });
  const samples = [[1, 0, 0, 0], [0.5, -1, 2, 0.25]];
  files = {
    model: `${dir}/tiny.onnx`,
    x: `${dir}/x.npy`,
    xs: `${dir}/xs.npy`,
    ys: `${dir}/ys.npy`,
  };
  await writeFile(files.model!, tinyModel());
  await writeFile(files.x!, writeNpy(new Tensor("float32", Float32Array.of(1, 2, 3, 4), [1, 4])));
  await writeFile(files.xs!, writeNpy(new Tensor("float32", Float32Array.from(samples.flat()), [2, 1, 4])));
  const ys = samples.flatMap((s) => tinyReference(s).y);
  await writeFile(files.ys!, writeNpy(new Tensor("float32", Float32Array.from(ys), [2, 1, 3])));
}, 30_000);

afterAll(async () => {
  agent?.kill("SIGKILL");
  await removeDir(dir);
});

describe("bitloop device against bitloop agent", () => {
  test("info (Bun CLI, Deno agent) prints the device as JSON", async () => {
    const { code, out } = await cli("bun", ["device", "info", "--url", url, ...auth]);
    expect(code).toBe(0);
    const info = JSON.parse(out);
    expect(info.runtime.name).toBe("deno");
    expect(info.arch).toBe(process.arch);
  });

  test("push, list, bench (progress on stderr, result JSON on stdout), eval, delete", async () => {
    const push = await cli("bun", ["device", "push", files.model!, "--url", url, ...auth]);
    expect(push.code).toBe(0);
    const { id, uploaded } = JSON.parse(push.out);
    expect(uploaded).toBe(true);
    const list = await cli("bun", ["device", "list", "--url", url], { BITLOOP_TOKEN: TOKEN });
    expect(JSON.parse(list.out).map((m: { id: string }) => m.id)).toEqual([id]);

    const bench = await cli("bun", [
      "device",
      "bench",
      id,
      "--url",
      url,
      ...auth,
      "--warmup",
      "1",
      "--repeat",
      "3",
      "--input",
      `x=${files.x}`,
    ]);
    expect(bench.code).toBe(0);
    const result = JSON.parse(bench.out);
    expect(result.type).toBe("result");
    expect(result.runsMs.length).toBe(3);
    expect(bench.err.trim().split("\n")).toEqual([
      expect.stringMatching(/^bench: model [0-9a-f]{12}…, 4 runs$/),
      "bench: warm-up 1/1",
      expect.stringMatching(/^bench: measurement 1\/3: [\d.]+ ms\/run$/),
      expect.stringMatching(/^bench: measurement 2\/3: /),
      expect.stringMatching(/^bench: measurement 3\/3: /),
    ]);

    const evaluated = await cli("deno", [
      "device",
      "eval",
      id,
      "--url",
      url,
      "--token",
      TOKEN,
      "--input",
      `x=${files.xs}`,
      "--expected",
      `y=${files.ys}`,
    ]);
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.out);
    expect(metrics.samples).toBe(2);
    expect(metrics.outputs.y.cosine).toBeGreaterThan(0.999999);
    expect(evaluated.err).toContain("eval: sample 2/2");

    const del = await cli("bun", ["device", "delete", id, "--url", url, ...auth]);
    expect([del.code, JSON.parse(del.out)]).toEqual([0, { id, deleted: true }]);
    expect(JSON.parse((await cli("bun", ["device", "list", "--url", url, ...auth])).out)).toEqual([]);
  });

  test("bench of a model file (Deno CLI) pushes it first", async () => {
    const { code, out, err } = await cli("deno", [
      "device",
      "bench",
      files.model!,
      "--url",
      url,
      ...auth,
      "--repeat",
      "2",
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out).runsMs.length).toBe(2);
    expect(err).toMatch(/^pushed .*tiny\.onnx as [0-9a-f]{64}$/m);
  });

  test("a refused request is one line and exit 2", async () => {
    const noToken = await cli("bun", ["device", "list", "--url", url]);
    expect(noToken.code).toBe(2);
    expect(noToken.err.trim().split("\n")).toEqual([expect.stringMatching(/^bitloop: .*\(unauthorized\)$/)]);
    const missing = await cli("bun", ["device", "delete", "a".repeat(64), "--url", url, ...auth]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("(model_not_found)");
  });

  test("usage errors exit 2", async () => {
    for (
      const args of [
        ["device", "info"],
        ["device", "reboot", "--url", url],
        ["device", "delete", "not-an-id", "--url", url, ...auth],
        ["device", "bench", "--url", url, ...auth],
        ["device", "info", "--url", url, "--token", "a", "--token-file", "b"],
      ]
    ) {
      const { code, err } = await cli("bun", args);
      expect([args.join(" "), code]).toEqual([args.join(" "), 2]);
      expect(err.trim().split("\n").length).toBe(1);
    }
  });

  test("an unreachable agent is exit 1 after the retries", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const { code, err } = await cli("bun", ["device", "info", "--url", `http://127.0.0.1:${closed}`, "--retries", "1"]);
    expect(code).toBe(1);
    expect(err.trim().split("\n")).toEqual([
      expect.stringContaining("Cannot reach the device agent at http://127.0.0.1:"),
    ]);
    expect(err).toContain("after 2 attempt(s)");
  });

  test("bitloop agent --help, a refused bind, and SIGTERM", async () => {
    const help = await cli("bun", ["agent", "--help"]);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining("Usage: bitloop agent --store DIR")]);
    const refused = await cli("bun", ["agent", "--store", `${dir}/other`, "--host", "0.0.0.0", "--port", "0"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("Refusing to bind 0.0.0.0 without a token");
    agent.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
