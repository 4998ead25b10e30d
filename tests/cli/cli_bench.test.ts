import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNpy } from "../../src/formats/npy/write_npy.ts";
import { randomTensor } from "../_random.ts";
import { zooPath } from "../zoo/zoo.ts";
import { cli, cliInProcess, type CliResult, type Runtime, RUNTIMES, SPAWN_SETUP_TIMEOUT_MS } from "./_cli.ts";

const CLS = zooPath("ppocr_cls");
// The model declares its height and width symbolic: size them as PP-OCR does.
const DIMS = ["--dim", "p2o.DynamicDimension.1=48", "--dim", "p2o.DynamicDimension.2=192"];
const TINY = ["--warmup", "1", "--number", "1", "--repeat", "2", ...DIMS];
const dir = mkdtempSync(join(tmpdir(), "bitloop-cli-bench-"));
const INPUT = join(dir, "x.npy");
const json: Partial<Record<Runtime, CliResult>> = {};
let reference: CliResult;
let text: CliResult;

beforeAll(async () => {
  writeFileSync(INPUT, writeNpy(randomTensor([1, 3, 48, 192], 3, -1, 1)));
  const runs = await Promise.all([
    ...RUNTIMES.map((r) => cli(r, ["bench", CLS, "--json", ...TINY, "--min-repeat-ms", "1"])),
    cli("bun", ["bench", CLS, "--json", "--kernels", "reference", "--input", `x=${INPUT}`, ...TINY]),
    cli("deno", ["bench", CLS, ...TINY]),
  ]);
  json.deno = runs[0]!;
  json.bun = runs[1]!;
  reference = runs[2]!;
  text = runs[3]!;
}, SPAWN_SETUP_TIMEOUT_MS);

function parsed(r: CliResult): Record<string, unknown> {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

function expectShape(o: Record<string, unknown>): void {
  for (const key of ["medianMs", "p90Ms", "minMs", "peakRssBytes", "number"]) {
    expect(typeof o[key]).toBe("number");
    expect(o[key] as number).toBeGreaterThan(0);
  }
  expect(o.minMs as number).toBeLessThanOrEqual(o.medianMs as number);
  expect(o.medianMs as number).toBeLessThanOrEqual(o.p90Ms as number);
  const runs = o.runsMs as number[];
  expect(runs).toHaveLength(2);
  for (const v of runs) expect(v).toBeGreaterThan(0);
  const kernels = o.kernels as string[];
  expect(Array.isArray(kernels)).toBe(true);
  expect(kernels.length).toBeGreaterThan(0);
  for (const k of kernels) expect(typeof k).toBe("string");
}

describe("bitloop bench", () => {
  for (const runtime of RUNTIMES) {
    test(`prints one JSON object with the agent's latency fields under ${runtime}`, () => {
      const o = parsed(json[runtime]!);
      expectShape(o);
      expect(o.memory).toBe("normal");
      expect(o.kernelsOption).toBe("auto");
      expect((o.inputs as Record<string, string>).x).toBe("random float32 [1, 3, 48, 192]");
    });
  }

  test("reads --input files and reports reference kernels with --kernels reference", () => {
    const o = parsed(reference);
    expectShape(o);
    expect(o.kernelBackend).toBe("reference");
    expect(o.kernels).toEqual(["reference-scalar"]);
    expect((o.inputs as Record<string, string>).x).toBe(`file ${INPUT}`);
  });

  test("prints a table with median, p90, min, peak RSS and kernels in text mode", () => {
    expect(text.code).toBe(0);
    for (const row of ["median", "p90", "min", "peak RSS", "kernels", "runs"]) {
      expect(text.stdout).toMatch(new RegExp(`^${row} +\\S`, "m"));
    }
  });

  test("rejects a bad --memory, --repeat or input name with one line and exit code 2", async () => {
    for (
      const [args, message] of [
        [["--memory", "tiny"], /--memory must be normal or low, got "tiny"/],
        [["--repeat", "0"], /--repeat must be a whole number in 1\.\.1000000, got "0"/],
        [["--input", "nope=x.npy"], /--input "nope=x.npy" names no input of the model; it takes: x/],
      ] as const
    ) {
      const r = await cliInProcess(["bench", CLS, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
