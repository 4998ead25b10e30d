import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUserError } from "../../src/cli/main.ts";
import { InputError, ModelFormatError, UnsupportedOpError } from "../../src/errors.ts";
import { writeNpy } from "../../src/formats/npy/write_npy.ts";
import { exportOnnx } from "../../src/formats/onnx/export_onnx.ts";
import type { Model } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { randomTensor } from "../_random.ts";
import { zooPath } from "../zoo/zoo.ts";
import { cliBoth, cliInProcess, type CliResult, type Runtime, RUNTIMES, SPAWN_SETUP_TIMEOUT_MS } from "./_cli.ts";

const CLS = zooPath("ppocr_cls");
const dir = mkdtempSync(join(tmpdir(), "bitloop-cli-errors-"));
const at = (name: string) => join(dir, name);

// Every case: arguments, and what the one line on stderr must say. The first seven run as real Deno and
// Bun processes; the rest in-process through main(), which the binaries call.
const SPAWNED = new Set([
  "a truncated model",
  "random bytes",
  "a missing file",
  "a text file",
  "an unknown flag",
  "run without --input",
  "a wrong input shape",
]);
const CASES: Record<string, [string[], RegExp]> = {
  "a truncated model": [["info", at("truncated.onnx")], /truncated\.onnx: Cannot parse ONNX model/],
  "random bytes": [["info", at("random.onnx")], /random\.onnx: Cannot (parse|import) ONNX model/],
  "a missing file": [["info", at("nope.onnx")], /^bitloop: Cannot read model ".*nope\.onnx": no such file$/],
  "a directory": [["info", dir], /Cannot read model ".*": it is a directory$/],
  "a text file": [["info", at("notes.txt")], /notes\.txt: Cannot (parse|import) ONNX model/],
  "an unknown flag": [
    ["info", CLS, "--bogus"],
    /^bitloop: Unknown option --bogus for "info"; see "bitloop info --help"$/,
  ],
  "an unknown command": [
    ["frobnicate"],
    /Unknown command "frobnicate"; commands: info, convert, compress, validate, run, agent, device, bench$/,
  ],
  "no command": [[], /Missing command/],
  "a flag without its value": [["convert", CLS, "-o"], /Option '-o, --output <value>' argument missing/],
  "convert without -o": [["convert", CLS], /Missing -o <out\.bitloop>/],
  "run without --input": [
    ["run", CLS],
    /Missing input x float32 \[p2o\.DynamicDimension\.0, 3, .*\]; pass --input x=FILE\.npy$/,
  ],
  "an unknown input name": [
    ["run", CLS, "--input", `y=${at("x.npy")}`],
    /Unknown input "y" in --input y=.*; the model takes: x float32/,
  ],
  "a wrong input shape": [
    ["run", CLS, "--input", `x=${at("x_bad_shape.npy")}`],
    /Input "x" from ".*x_bad_shape\.npy" is float32 \[1, 48, 192\]; the model takes float32 \[p2o/,
  ],
  "a wrong input dtype": [
    ["run", CLS, "--input", `x=${at("x_f64.npy")}`],
    /Input "x" from ".*x_f64\.npy" is float64 \[1, 3, 48, 192\]; the model takes float32/,
  ],
  "a missing input file": [
    ["run", CLS, "-i", `x=${at("absent.npy")}`],
    /Cannot read input "x" from ".*absent\.npy": no such file$/,
  ],
  "a corrupt input file": [
    ["run", CLS, "-i", `x=${at("notes.txt")}`],
    /Cannot read input "x" from ".*notes\.txt": Not an npy file/,
  ],
  "an output directory that is a file": [
    ["run", CLS, "-i", `x=${at("x.npy")}`, "-o", at("notes.txt")],
    /Cannot create directory ".*notes\.txt": a file is in the way$/,
  ],
  "the same input twice": [
    ["run", CLS, "-i", `x=${at("x.npy")}`, "-i", `x=${at("x.npy")}`],
    /Input "x" is given twice/,
  ],
};

let results: Record<string, Partial<Record<Runtime | "main", CliResult>>>;
let debug: Record<Runtime, CliResult>;
let failing: Record<Runtime, CliResult>;

/** A model that loads but fails while running: MatMul of a 2×3 by a 4×5 matrix (shapes only known at run time). */
function failingModel(): Model {
  return {
    irVersion: 8,
    opsets: { "": 17 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "fails",
      inputs: ["a", "b"].map((name) => ({ name, dtype: "float32" as const, shape: [null, null] })),
      outputs: [{ name: "y", dtype: "float32", shape: undefined }],
      initializers: new Map(),
      quantized: new Map(),
      nodes: [{ name: "mm", op: "MatMul", domain: "", inputs: ["a", "b"], outputs: ["y"], attributes: {} }],
      valueInfo: new Map(),
    },
  };
}

beforeAll(async () => {
  const model = readFileSync(CLS);
  writeFileSync(at("truncated.onnx"), model.subarray(0, 100_000));
  let seed = 99;
  writeFileSync(
    at("random.onnx"),
    Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24),
  );
  writeFileSync(at("notes.txt"), "These are not the weights you are looking for.\n");
  writeFileSync(at("x.npy"), writeNpy(randomTensor([1, 3, 48, 192], 1)));
  writeFileSync(at("x_bad_shape.npy"), writeNpy(randomTensor([1, 48, 192], 2)));
  writeFileSync(at("x_f64.npy"), writeNpy(Tensor.zeros("float64", [1, 3, 48, 192])));
  writeFileSync(at("fails.onnx"), exportOnnx(failingModel()));
  writeFileSync(at("a.npy"), writeNpy(Tensor.zeros("float32", [2, 3])));
  writeFileSync(at("b.npy"), writeNpy(Tensor.zeros("float32", [4, 5])));
  const entries = await Promise.all(
    Object.entries(CASES).map(async ([name, [args]]) =>
      [name, SPAWNED.has(name) ? await cliBoth(args) : { main: await cliInProcess(args) }] as const
    ),
  );
  results = Object.fromEntries(entries);
  [debug, failing] = await Promise.all([
    cliBoth(["info", at("nope.onnx"), "--debug"]),
    cliBoth(["run", at("fails.onnx"), "-i", `a=${at("a.npy")}`, "-i", `b=${at("b.npy")}`]),
  ]);
}, SPAWN_SETUP_TIMEOUT_MS);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bitloop reports a user error as one line on stderr and exit code 2", () => {
  for (const [name, [, message]] of Object.entries(CASES)) {
    test(`given ${name}${SPAWNED.has(name) ? " (Deno and Bun processes)" : ""}`, () => {
      const byRuntime = results[name]!;
      for (const [runtime, result] of Object.entries(byRuntime)) {
        const { code, stdout, stderr } = result!;
        const lines = stderr.trimEnd().split("\n");
        expect({ runtime, code, stdout, lines: lines.length }).toEqual({ runtime, code: 2, stdout: "", lines: 1 });
        expect(lines[0]).toMatch(/^bitloop: /);
        expect(lines[0]).toMatch(message);
        expect(stderr).not.toContain("    at ");
      }
      if (byRuntime.bun) expect(byRuntime.bun.stderr).toBe(byRuntime.deno!.stderr);
    });
  }
});

test("--debug adds the stack trace", () => {
  for (const runtime of RUNTIMES) {
    expect(debug[runtime].code).toBe(2);
    expect(debug[runtime].stderr).toMatch(/^bitloop: Cannot read model ".*nope\.onnx": no such file\n/);
    expect(debug[runtime].stderr).toContain("    at ");
  }
});

test("a failure inside the runtime is one line and exit code 1", () => {
  for (const runtime of RUNTIMES) {
    const { code, stderr } = failing[runtime];
    expect({ runtime, code, lines: stderr.trimEnd().split("\n").length }).toEqual({ runtime, code: 1, lines: 1 });
    expect(stderr).toMatch(/^bitloop: Node "mm" \(MatMul\) failed: .* \(run with --debug for the stack trace\)\n$/);
  }
});

test("isUserError() tells user errors (exit 2) from internal failures (exit 1)", () => {
  expect(isUserError(new ModelFormatError("npy", "x"))).toBe(true);
  expect(isUserError(new UnsupportedOpError("Foo", "n", "x"))).toBe(true);
  expect(isUserError(new InputError("x", "x"))).toBe(true);
  expect(isUserError(Object.assign(new Error("gone"), { code: "ENOENT" }))).toBe(true);
  expect(isUserError(new TypeError("bug"))).toBe(false);
  expect(isUserError("a string")).toBe(false);
});
