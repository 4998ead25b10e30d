import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import process from "node:process";
import { main } from "../../src/cli/main.ts";
import { type ModelSummary, summarizeModel } from "../../src/cli/model_summary.ts";
import { VERSION } from "../../src/cli/version.ts";
import { loadModel } from "../../src/formats/load.ts";
import { type DispatchRow, KERNEL_BACKENDS } from "../../src/kernels/dispatch.ts";
import { zooPath } from "../zoo/zoo.ts";
import { cliBoth, type CliResult, ROOT, type Runtime, SPAWN_SETUP_TIMEOUT_MS } from "./_cli.ts";

const CLS = zooPath("ppocr_cls");
let text: Record<Runtime, CliResult>;
let json: Record<Runtime, CliResult>;

beforeAll(async () => {
  [text, json] = await Promise.all([cliBoth(["info", CLS]), cliBoth(["info", CLS, "--json"])]);
}, SPAWN_SETUP_TIMEOUT_MS);

describe("bitloop info", () => {
  test("prints the interface, opset, parameters, op histogram and the largest tensors of ppocr_cls", () => {
    for (const runtime of ["deno", "bun"] as const) {
      const { code, stdout, stderr } = text[runtime];
      expect({ runtime, code, stderr }).toEqual({ runtime, code: 0, stderr: "" });
      expect(stdout).toContain(`${CLS}: onnx, 565.4 KiB`);
      expect(stdout).toContain("opsets: ai.onnx 9");
      expect(stdout).toMatch(/inputs:\n {2}x {2}float32 {2}\[p2o\.DynamicDimension\.0, 3, /);
      expect(stdout).toMatch(/outputs:\n {2}softmax_0\.tmp_0 {2}float32/);
      expect(stdout).toContain("parameters: 133,665 in 250 tensors, 522.1 KiB");
      expect(stdout).toMatch(/ops \(471 nodes\): Constant 250, Conv 53, /);
      expect(stdout).toContain("unsupported ops: none");
      expect(stdout).toContain("largest tensors (10 of 250):");
      expect(stdout).toMatch(/conv2d_44\.w_0 +float32 +\[50, 200, 1, 1\] +40,000/);
      expect(stdout).toContain("kernel dispatch:");
      if (process.arch === "x64") {
        expect(stdout).toMatch(/native-i8mm +declined +the host is linux x64, not Linux aarch64/);
      }
      expect(stdout).toMatch(/wasm-(relaxed|simd128|scalar) +chosen/);
    }
    expect(text.bun.stdout).toBe(text.deno.stdout);
  });

  test("--json prints the whole summary, every tensor included, as loadModel() sees it", async () => {
    const expected = summarizeModel(await loadModel(CLS), { format: "onnx", fileBytes: readFileSync(CLS).length });
    for (const runtime of ["deno", "bun"] as const) {
      expect(json[runtime].code).toBe(0);
      const { dispatch, ...summary } = JSON.parse(json[runtime].stdout) as ModelSummary & { dispatch: DispatchRow[] };
      expect(summary).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(dispatch.map((r) => r.name)).toEqual(KERNEL_BACKENDS.map((b) => b.name));
      expect(dispatch.filter((r) => r.status === "chosen").length).toBeGreaterThan(0);
      expect(summary.tensors.length).toBe(summary.parameters.tensors);
      expect(summary.tensors.reduce((n, t) => n + t.bytes, 0)).toBe(summary.parameters.bytes);
      expect(summary.inputs).toEqual([{
        name: "x",
        dtype: "float32",
        shape: ["p2o.DynamicDimension.0", 3, "p2o.DynamicDimension.1", "p2o.DynamicDimension.2"],
      }]);
      expect(summary.opsets).toEqual({ "": 9 });
      expect(summary.ops["Conv"]).toBe(53);
      expect(summary.unsupportedOps).toEqual([]);
    }
  });

  test("--top sets how many tensors text mode lists", async () => {
    const lines: string[] = [];
    const code = await main(["info", CLS, "--top", "2"], {
      stdout: (l) => lines.push(l),
      stderr: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(lines).toContain("largest tensors (2 of 250):");
    expect(lines.filter((l) => /^ {2}conv2d_/.test(l)).length).toBe(2);
  });
});

describe("bitloop --help and --version", () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const code = await main(args, { stdout: (l) => out.push(l), stderr: (l) => out.push(`ERR ${l}`) });
    return { code, out: out.join("\n") };
  };

  test("the top level and every command have help, exit 0", async () => {
    expect(await run(["--help"])).toEqual({ code: 0, out: expect.stringContaining("Usage: bitloop <command>") });
    for (const command of ["info", "convert", "run"]) {
      expect(await run([command, "--help"])).toEqual({
        code: 0,
        out: expect.stringContaining(`Usage: bitloop ${command}`),
      });
      expect(await run(["--help", command])).toEqual({
        code: 0,
        out: expect.stringContaining(`Usage: bitloop ${command}`),
      });
      expect(await run([command, "-h"])).toEqual({
        code: 0,
        out: expect.stringContaining(`Usage: bitloop ${command}`),
      });
    }
  });

  test("--version matches package.json and deno.json", async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { version: string };
    const deno = JSON.parse(readFileSync(`${ROOT}deno.json`, "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(VERSION).toBe(deno.version);
    expect(await run(["--version"])).toEqual({ code: 0, out: `bitloop ${VERSION}` });
    expect(await run(["-V"])).toEqual({ code: 0, out: `bitloop ${VERSION}` });
  });
});
