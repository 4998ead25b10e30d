// `bitloop compress`, `info` on compressed files, and `validate`: real processes under Bun (one run under
// Deno too), the rest in-process through main(), which the binaries call.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNpy } from "../../src/formats/npy/write_npy.ts";
import { randomTensor } from "../_random.ts";
import { zooPath } from "../zoo/zoo.ts";
import { cli, cliInProcess, type CliResult, SPAWN_SETUP_TIMEOUT_MS } from "./_cli.ts";

const CLS = zooPath("ppocr_cls");
const dir = mkdtempSync(join(tmpdir(), "bitloop-cli-compress-"));
const at = (name: string) => join(dir, name);
const DIMS = ["--dim", "p2o.DynamicDimension.1=48", "--dim", "p2o.DynamicDimension.2=192"];

let bun: CliResult;
let deno: CliResult;

beforeAll(async () => {
  const args = (out: string) => ["compress", CLS, "-o", out, "--bits", "4", "--block", "32", "--report", `${out}.json`];
  [bun, deno] = await Promise.all([cli("bun", args(at("bun.bitloop"))), cli("deno", args(at("deno.bitloop")))]);
}, SPAWN_SETUP_TIMEOUT_MS);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bitloop compress", () => {
  test("writes a 4-bit model and a per-layer report, the same bytes under Bun and Deno", () => {
    for (const r of [bun, deno]) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(bun.stdout).toMatch(/^wrote .*bun\.bitloop \(bitloop, [\d.]+ KiB; input 565\.4 KiB, [\d.]+x smaller\)$/m);
    expect(bun.stdout).toContain("settings: 4-bit, block 32, asymmetric, hqq, min-size 1024, params log8/integer");
    expect(bun.stdout).toMatch(/^weights: 27 quantized, 0 fp16, 27 kept float32; .* bits\/weight quantized$/m);
    expect(bun.stdout).toMatch(/^weight SQNR: mean [\d.]+ dB, lowest [\d.]+ dB \(.*, Conv\)$/m);
    expect(readFileSync(at("bun.bitloop")).equals(readFileSync(at("deno.bitloop")))).toBe(true);
    const report = JSON.parse(readFileSync(at("bun.bitloop.json"), "utf8"));
    expect(report.totals.quantized).toBe(27);
    const conv = report.layers.find((l: { storage: string }) => l.storage === "quantized");
    expect(conv).toMatchObject({ op: "Conv", bits: 4, blockSize: 32, symmetric: false, algorithm: "hqq" });
    expect(conv.sqnr).toBeGreaterThan(15);
  });

  test("info shows every compressed layer with bits, block, parameter storage, algorithm, bytes and weight SQNR", async () => {
    const r = await cliInProcess(["info", at("bun.bitloop")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^compressed weights: 27 tensors, [\d,]+ weights in [\d.]+ KiB \([\d.]+ bits\/weight\):$/m,
    );
    expect(r.stdout).toMatch(/^ {2}name +op +dims +bits +block +grid +params +algo +bytes +bits\/w +SQNR dB$/m);
    expect(r.stdout).toMatch(
      /^ {2}conv2d_44\.w_0\S* +Conv +\[50, 200, 1, 1\] +4 +32 +asym +log8\/int +hqq +[\d,]+ +4\.\d\d +\d+\.\d\d$/m,
    );
    const json = JSON.parse((await cliInProcess(["info", at("bun.bitloop"), "--json"])).stdout);
    expect(json.compressed.length).toBe(27);
    expect(json.tensors.find((t: { dtype: string }) => t.dtype === "q4")).toBeDefined();
  });

  test("validate compares every output and both sizes; given and generated inputs agree", async () => {
    const r = await cliInProcess(["validate", CLS, at("bun.bitloop"), ...DIMS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("input x: generated float32 [1, 3, 48, 192] uniform(-1, 1)");
    expect(r.stdout).toMatch(/^softmax_0\.tmp_0 +float32 +\[1, 2\] +0\.99\d+ +[\d.]+ +[\d.e+-]+ +(100\.0|0\.0)%$/m);
    expect(r.stdout).toMatch(/^size: original 565\.4 KiB \(onnx\), compressed [\d.]+ KiB \(bitloop\); ratio [\d.]+x$/m);
    writeFileSync(at("x.npy"), writeNpy(randomTensor([1, 3, 48, 192], 3)));
    const j = JSON.parse(
      (await cliInProcess(["validate", CLS, at("bun.bitloop"), "-i", `x=${at("x.npy")}`, "--json"])).stdout,
    );
    expect(j.inputs).toEqual({ x: `file ${at("x.npy")}` });
    expect(j.outputs[0].cosine).toBeGreaterThan(0.99);
    expect(j.outputs[0].top1Agreement).toBe(1);
    expect(j.compressed.bytes).toBe(readFileSync(at("bun.bitloop")).length);
  });

  test("MNNConvert's flag names are aliases: the same model, weights in the sidecar", async () => {
    const mnn = at("mnn.bitloop");
    const r = await cliInProcess([
      "compress",
      CLS,
      "-o",
      mnn,
      "--weightQuantBits",
      "4",
      "--weightQuantBlock",
      "32",
      "--weightQuantAsymmetric",
      "--hqq",
      "--saveExternalData",
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(`${mnn}.weight`)).toBe(true);
    const canonical = at("canonical.bitloop");
    await cliInProcess([
      "compress",
      CLS,
      "-o",
      canonical,
      "--bits=4",
      "--block=32",
      "--asymmetric",
      "--algo",
      "hqq",
      "--external-data",
    ]);
    expect(readFileSync(`${mnn}.weight`).equals(readFileSync(`${canonical}.weight`))).toBe(true);
    const v = JSON.parse((await cliInProcess(["validate", CLS, mnn, ...DIMS, "--json"])).stdout);
    expect(v.compressed.bytes).toBe(readFileSync(mnn).length + readFileSync(`${mnn}.weight`).length);
    const sym = await cliInProcess([
      "compress",
      CLS,
      "-o",
      at("sym.bitloop"),
      "--weightQuantAsymmetric=0",
      "--report",
      at("sym.json"),
    ]);
    expect(sym.code).toBe(0);
    expect(JSON.parse(readFileSync(at("sym.json"), "utf8")).layers[20].symmetric).toBe(true);
  });

  test("--scale-bits (MNN: --weightQuantScaleBit) chooses the parameter storage; info and the summary show it", async () => {
    const wide = await cliInProcess([
      "compress",
      CLS,
      "-o",
      at("s16.bitloop"),
      "--bits",
      "4",
      "--block",
      "32",
      "--scale-bits",
      "16",
    ]);
    expect(wide.code).toBe(0);
    expect(wide.stdout).toContain("min-size 1024, params float16/integer");
    expect(readFileSync(at("s16.bitloop")).length).toBeGreaterThan(readFileSync(at("bun.bitloop")).length);
    const small = await cliInProcess([
      "compress",
      CLS,
      "-o",
      at("c8.bitloop"),
      "--bits",
      "4",
      "--block",
      "32",
      "--scale-bits",
      "8",
    ]);
    expect(small.stdout).toContain("min-size 1024, params log8/integer");
    // At 4 bits 8-bit scales are the default: the same bytes as without the flag.
    expect(readFileSync(at("c8.bitloop")).equals(readFileSync(at("bun.bitloop")))).toBe(true);
    expect((await cliInProcess(["info", at("c8.bitloop")])).stdout).toMatch(
      /^ {2}conv2d_44\.w_0\S* +Conv +\[50, 200, 1, 1\] +4 +32 +asym +log8\/int +hqq +[\d,]+ +4\.\d\d /m,
    );
    const alias = await cliInProcess([
      "compress",
      CLS,
      "-o",
      at("s16mnn.bitloop"),
      "--weightQuantBits",
      "4",
      "--weightQuantBlock",
      "32",
      "--weightQuantScaleBit",
      "16",
    ]);
    expect(alias.code).toBe(0);
    expect(readFileSync(at("s16mnn.bitloop")).equals(readFileSync(at("s16.bitloop")))).toBe(true);
    expect(readFileSync(at("s16.bitloop")).length).toBeGreaterThan(readFileSync(at("c8.bitloop")).length);
    const info = (await cliInProcess(["info", at("s16.bitloop")])).stdout;
    expect(info).toMatch(/^ {2}conv2d_44\.w_0\S* +Conv +\[50, 200, 1, 1\] +4 +32 +asym +fp16\/int +hqq /m);
    const bpw = (out: string) => Number(/([\d.]+) bits\/weight quantized/.exec(out)![1]);
    expect(bpw(wide.stdout)).toBeGreaterThan(4.7);
    expect(bpw(small.stdout)).toBeLessThan(bpw(wide.stdout) - 0.1);
    const compact = await cliInProcess(["compress", CLS, "-o", at("s8.bitloop"), "--bits", "8", "--scale-bits", "8"]);
    expect(compact.stdout).toContain("8-bit, per channel, asymmetric, hqq, min-size 1024, params log8/integer");
    const sym32 = await cliInProcess(["compress", CLS, "-o", at("s32.bitloop"), "--symmetric", "--scale-bits", "32"]);
    expect(sym32.stdout).toContain("params float32");
    expect((await cliInProcess(["info", at("s32.bitloop")])).stdout).toMatch(/ +sym +fp32 +hqq /);
  });

  test("--fp16 and a --policy file: FP16 weights listed by info, policy rules applied, unused rules warned about", async () => {
    const fp16 = await cliInProcess(["compress", CLS, "-o", at("fp16.bitloop")]);
    expect(fp16.code).toBe(0);
    const half = await cliInProcess(["compress", CLS, "-o", at("half.bitloop"), "--fp16", "--min-size", "0"]);
    expect(half.stdout).toMatch(/^weights: 0 quantized, 54 fp16, 0 kept float32;/m);
    expect((await cliInProcess(["info", at("half.bitloop")])).stdout).toMatch(
      /^ {2}\S+ +Conv +\[.*\] +16 +- +- +- +fp16 /m,
    );
    writeFileSync(
      at("policy.json"),
      JSON.stringify([{ match: "*", bits: 3 }, { match: "conv2d_4*", bits: 8 }, { match: "typo*", skip: true }]),
    );
    const p = await cliInProcess([
      "compress",
      CLS,
      "-o",
      at("policy.bitloop"),
      "--policy",
      at("policy.json"),
      "--report",
      at("p.json"),
    ]);
    expect(p.code).toBe(0);
    expect(p.stderr).toBe('bitloop: warning: policy rule "typo*" matched no weight\n');
    const layers = JSON.parse(readFileSync(at("p.json"), "utf8")).layers as {
      name: string;
      bits: number;
      storage: string;
    }[];
    for (const l of layers.filter((l) => l.storage === "quantized")) {
      expect(l.bits).toBe(/^conv2d_4/.test(l.name) ? 8 : 3);
    }
  });
});

describe("bitloop compress and validate errors", () => {
  const errors = join(dir, "errors");
  beforeAll(() => {
    mkdirSync(errors);
    writeFileSync(join(errors, "corrupt.onnx"), new Uint8Array(256).map((_, i) => (i * 37) & 0xff));
    writeFileSync(join(errors, "bad_policy.json"), "{ nope");
    writeFileSync(join(errors, "bad_rule.json"), JSON.stringify({ "conv*": { bitz: 4 } }));
  });
  const out = () => join(errors, "out.bitloop");
  const CASES: [string, string[], RegExp][] = [
    ["an unknown flag", ["--bogus"], /^Unknown option --bogus for "compress"; see "bitloop compress --help"$/],
    ["bits above 8", ["--bits", "9"], /^--bits must be an integer from 2 to 8, got "9"$/],
    ["bits below 2", ["--weightQuantBits", "1"], /^--weightQuantBits must be an integer from 2 to 8, got "1"$/],
    ["bits that are not a number", ["--bits", "four"], /^--bits must be an integer from 2 to 8, got "four"$/],
    ["a negative block", ["--block=-3"], /^--block must be a whole number of input channels per block/],
    ["a fractional block", ["--block", "2.5"], /^--block must be a whole number/],
    ["a bad min size", ["--min-size", "lots"], /^--min-size must be a whole number of elements, got "lots"$/],
    ["an unknown algorithm", ["--algo", "gptq"], /^--algo must be minmax, mse or hqq, got "gptq"$/],
    ["--fp16 with --bits", ["--fp16", "--bits", "4"], /^--fp16 stores weights as FP16 instead of 4-bit codes/],
    ["both grids", ["--symmetric", "--asymmetric"], /contradict each other$/],
    [
      "a bad scale width",
      ["--scale-bits", "12"],
      /^--scale-bits must be 8 \(compact log8\), 16 \(fp16\) or 32 \(fp32\), got "12"$/,
    ],
    [
      "scale widths that disagree",
      ["--scale-bits", "8", "--weightQuantScaleBit", "16"],
      /^--scale-bits and --weightQuantScaleBit disagree \("8" vs "16"\); give one$/,
    ],
    ["--format mnn with a .bitloop output", ["--format", "mnn"], /--format mnn writes an MNN model \(\.mnn\)$/],
    [
      "an unparsable policy",
      ["--policy", join(errors, "bad_policy.json")],
      /^Cannot parse policy ".*bad_policy\.json": /,
    ],
    [
      "a policy with a typo",
      ["--compressionParamsFile", join(errors, "bad_rule.json")],
      /rule "conv\*": unknown field "bitz"/,
    ],
    ["a missing policy", ["--policy", join(errors, "none.json")], /^Cannot read policy ".*none\.json": no such file$/],
  ];
  for (const [what, flags, pattern] of CASES) {
    test(`${what}: one line, exit 2, no output file`, async () => {
      const r = await cliInProcess(["compress", CLS, "-o", out(), ...flags]);
      expect({ code: r.code, lines: r.stderr.trimEnd().split("\n").length }).toEqual({ code: 2, lines: 1 });
      expect(r.stderr.replace(/^bitloop: /, "").trimEnd()).toMatch(pattern);
      expect(readdirSync(errors).filter((f) => f.startsWith("out"))).toEqual([]);
    });
  }

  test("a missing or corrupt model, a missing output directory, an .onnx output: exit 2, nothing left behind", async () => {
    const cases: [string[], RegExp][] = [
      [["compress", join(errors, "absent.onnx"), "-o", out()], /Cannot read model ".*absent\.onnx": no such file$/],
      [["compress", join(errors, "corrupt.onnx"), "-o", out()], /corrupt\.onnx: Cannot (parse|import) ONNX model/],
      [
        ["compress", CLS, "-o", join(errors, "no/such/dir.bitloop")],
        /Cannot write ".*dir\.bitloop": its directory does not exist/,
      ],
      [["compress", CLS, "-o", join(errors, "out.onnx")], /compress writes the bitloop format/],
      [["compress", CLS], /Missing -o <out\.bitloop>/],
      [["validate", CLS], /Missing a model; usage: bitloop validate <original> <compressed>/],
      [["validate", CLS, join(errors, "absent.bitloop")], /Cannot read model ".*absent\.bitloop": no such file$/],
      [["validate", CLS, CLS, "--dim", "x"], /--dim "x" must be NAME=N/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cliInProcess(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.trimEnd()).toMatch(pattern);
    }
    // The report cannot be written: the model and sidecar written before it are removed again.
    const r = await cliInProcess([
      "compress",
      CLS,
      "-o",
      out(),
      "--external-data",
      "--report",
      join(errors, "no/such/report.json"),
    ]);
    expect(r.code).toBe(2);
    expect(readdirSync(errors).filter((f) => f.startsWith("out"))).toEqual([]);
  });

  test("a spawned Bun process reports a bad bit width in one line with exit code 2", async () => {
    const r = await cli("bun", ["compress", CLS, "-o", out(), "--weightQuantBits", "12"]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: 'bitloop: --weightQuantBits must be an integer from 2 to 8, got "12"\n',
    });
  });
});
