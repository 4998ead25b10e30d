import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelSummary } from "../../src/cli/model_summary.ts";
import { zooPath } from "../zoo/zoo.ts";
import { cli, type CliResult, SPAWN_SETUP_TIMEOUT_MS } from "./_cli.ts";

const CLS = zooPath("ppocr_cls");
const dir = mkdtempSync(join(tmpdir(), "bitloop-cli-convert-"));
const at = (name: string) => join(dir, name);
let converted: Record<string, CliResult>;

beforeAll(async () => {
  const runs = {
    deno: cli("deno", ["convert", CLS, "-o", at("deno.bitloop")]),
    bun: cli("bun", ["convert", CLS, "-o", at("bun.bitloop")]),
    external: cli("deno", ["convert", CLS, "-o", at("ext.bitloop"), "--external-data"]),
    externalBun: cli("bun", ["convert", CLS, "--external-data", "--output", at("ext_bun.bitloop")]),
    onnx: cli("bun", ["convert", CLS, "-o", at("back.onnx")]),
    noDir: cli("bun", ["convert", CLS, "-o", at("no/such/dir/m.bitloop")]),
  };
  converted = Object.fromEntries(await Promise.all(Object.entries(runs).map(async ([k, p]) => [k, await p] as const)));
}, SPAWN_SETUP_TIMEOUT_MS);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function infoJson(runtime: "deno" | "bun", path: string): Promise<ModelSummary> {
  const r = await cli(runtime, ["info", path, "--json"]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(r.stdout) as ModelSummary;
}

/** The summary without what describes the file rather than the model. */
function modelPart(s: ModelSummary): Omit<ModelSummary, "format" | "fileBytes"> {
  const { format: _format, fileBytes: _fileBytes, ...rest } = s;
  return rest;
}

test("convert writes the same bitloop bytes under Deno and Bun, and nothing else", () => {
  for (const key of ["deno", "bun", "external", "externalBun", "onnx"]) {
    expect({ key, ...converted[key] }).toMatchObject({ key, code: 0, stderr: "" });
  }
  expect(converted.deno!.stdout).toMatch(/^wrote .*deno\.bitloop \(bitloop, [0-9.]+ KiB\)\n$/);
  expect(readFileSync(at("deno.bitloop")).equals(readFileSync(at("bun.bitloop")))).toBe(true);
  expect(readdirSync(dir).sort()).toEqual([
    "back.onnx",
    "bun.bitloop",
    "deno.bitloop",
    "ext.bitloop",
    "ext.bitloop.weight",
    "ext_bun.bitloop",
    "ext_bun.bitloop.weight",
  ]);
});

test("--external-data puts the weights in <out>.weight beside a small model file", () => {
  expect(converted.external!.stdout).toMatch(/\+ .*ext\.bitloop\.weight \([0-9.]+ KiB\)/);
  const model = readFileSync(at("ext.bitloop")).length;
  const sidecar = readFileSync(at("ext.bitloop.weight")).length;
  expect(sidecar).toBeGreaterThan(500_000); // ppocr_cls holds 522 KiB of weights
  expect(model).toBeLessThan(readFileSync(at("deno.bitloop")).length - 500_000);
  expect(readFileSync(at("ext.bitloop.weight")).equals(readFileSync(at("ext_bun.bitloop.weight")))).toBe(true);
});

test("info on every converted file reports the source model unchanged", async () => {
  const [source, plain, external, onnx] = await Promise.all([
    infoJson("bun", CLS),
    infoJson("bun", at("deno.bitloop")),
    infoJson("deno", at("ext.bitloop")),
    infoJson("deno", at("back.onnx")),
  ]);
  expect(plain.format).toBe("bitloop");
  expect(external.format).toBe("bitloop");
  expect(onnx.format).toBe("onnx");
  expect(modelPart(plain)).toEqual(modelPart(source));
  expect(modelPart(external)).toEqual(modelPart(source));
  expect(modelPart(onnx)).toEqual(modelPart(source));
});

test("a missing sidecar or output directory is one clear line and exit code 2", async () => {
  expect(converted.noDir!.code).toBe(2);
  expect(converted.noDir!.stderr).toMatch(
    /^bitloop: Cannot write ".*no\/such\/dir\/m\.bitloop": its directory does not exist\n$/,
  );
  expect(existsSync(at("no"))).toBe(false);
  renameSync(at("ext_bun.bitloop.weight"), at("moved.weight"));
  const r = await cli("deno", ["info", at("ext_bun.bitloop")]);
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^bitloop: .*ext_bun\.bitloop: .*weight/)]);
});
