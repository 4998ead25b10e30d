// `bitloop compress X.mnn -o Y.mnn --format mnn`: the written file decodes through bitloop's MNN reader, and
// the PP-OCR model run with those weights gives outputs close to bitloop's own compression of the ONNX model
// at the same settings; bad inputs are one line, exit 2, and leave no file behind.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareArrays } from "../../../src/eval/metrics.ts";
import { readMnnWeights } from "../../../src/formats/mnn/mod.ts";
import { loadModel } from "../../../src/formats/load.ts";
import { compressModel } from "../../../src/quant/compress_model.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { prepareForCompression } from "../../../src/runtime/prepare_for_compression.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { cliInProcess } from "../../cli/_cli.ts";
import { HAVE_MNN, MNN_DIR, mnnNpy } from "./_mnn_files.ts";
import { runWithMnnNet } from "./_run_with_mnn_weights.ts";

const dir = mkdtempSync(join(tmpdir(), "bitloop-mnn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bitloopRun(bits: number, block: number): Promise<Float32Array> {
  const model = await loadModel(zooPath("ppocr_cls"));
  prepareForCompression(model);
  // fp32 scales, as the .mnn file stores them (MNN has no log8 encoding).
  const { model: small } = compressModel(model, { bits, blockSize: block, scaleDtype: "float32" });
  const session = await InferenceSession.create(small);
  const out = await session.run({ [session.inputNames[0]!]: mnnNpy("cls.input.npy") });
  return out[session.outputNames[0]!]!.data as Float32Array;
}

describe.skipIf(!HAVE_MNN)("compress --format mnn", () => {
  const CLS = join(MNN_DIR, "cls.mnn");
  let fp32: Float32Array;

  for (const [bits, block, extra] of [[8, 0, []], [4, 32, ["--external-data"]]] as const) {
    test(`cls.mnn at ${bits}-bit ${block ? `block ${block}` : "per channel"} ${extra.join(" ")}: runs close to bitloop's own`, async () => {
      const out = join(dir, `cls.w${bits}.mnn`);
      const r = await cliInProcess([
        "compress",
        CLS,
        "-o",
        out,
        "--format",
        "mnn",
        "--bits",
        String(bits),
        "--block",
        String(block),
        ...extra,
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^wrote .*cls\.w\d\.mnn.* \(mnn, /);
      const readSidecar = () => Promise.resolve(new Uint8Array(readFileSync(`${out}.weight`)));
      const net = await readMnnWeights(new Uint8Array(readFileSync(out)), extra.length ? { readSidecar } : {});
      const quantized = net.ops.filter((op) => op.convolution?.encoding === "quantized");
      expect(quantized.length).toBeGreaterThan(20);
      expect(quantized.every((op) => op.convolution!.quantization!.bits === bits)).toBe(true);
      expect(quantized.every((op) => op.convolution!.external === extra.length > 0)).toBe(true);
      fp32 ??= (await runWithMnnNet("cls", await readMnnWeights(new Uint8Array(readFileSync(CLS))), "cls.mnn"))
        .data as Float32Array;
      const ours = (await runWithMnnNet("cls", net, out)).data as Float32Array;
      const theirs = await bitloopRun(bits, block);
      const mine = compareArrays(fp32, ours), own = compareArrays(fp32, theirs), both = compareArrays(theirs, ours);
      console.log(
        `cls ${bits}-bit: vs fp32 cosine ${mine.cosine.toFixed(6)} (.mnn) / ${own.cosine.toFixed(6)} (.bitloop); ` +
          `.mnn vs .bitloop cosine ${both.cosine.toFixed(6)}, max abs ${both.maxAbsError.toExponential(2)}`,
      );
      // Both are near fp32 and no worse than 3× each other's error; at 4 bits their (independent) rounding
      // errors make them differ from each other by about as much as each differs from fp32.
      expect(mine.cosine).toBeGreaterThanOrEqual(bits === 8 ? 0.9999 : 0.99);
      expect(both.cosine).toBeGreaterThanOrEqual(bits === 8 ? 0.9999 : 0.95);
      expect(1 - mine.cosine).toBeLessThanOrEqual(3 * (1 - own.cosine) + 1e-5);
    });
  }

  const files = () => readdirSync(dir).filter((f) => f.startsWith("bad"));
  const CASES: [string, string[], RegExp][] = [
    [
      "an ONNX input",
      [zooPath("ppocr_cls"), "-o", join(dir, "bad.mnn"), "--format", "mnn"],
      /^Cannot compress ".*\.onnx" to MNN: .*converting ONNX or bitloop models to MNN is out of scope/,
    ],
    [
      "log8 scales, which MNN cannot store",
      [CLS, "-o", join(dir, "bad.mnn"), "--format", "mnn", "--bits", "4", "--scale-bits", "8"],
      /^--scale-bits 8 \(log8 scales\) has no MNN encoding/,
    ],
    [
      "an .onnx output",
      [CLS, "-o", join(dir, "bad.onnx"), "--format", "mnn"],
      /--format mnn writes an MNN model \(\.mnn\)$/,
    ],
    [
      "a model without its weight file",
      [join(dir, "lonely.mnn"), "-o", join(dir, "bad.mnn"), "--format", "mnn"],
      /^Cannot read MNN weight file ".*lonely\.mnn\.weight": no such file$/,
    ],
    [
      "a model the writer refuses",
      [join(dir, "unknown_member.mnn"), "-o", join(dir, "bad.mnn"), "--format", "mnn"],
      /\(Input, #0\) has parameters of OpParameter member 45, .*--format bitloop/,
    ],
  ];
  for (const [what, args, pattern] of CASES) {
    test(`${what}: one line, exit 2, no output file`, async () => {
      writeFileSync(join(dir, "lonely.mnn"), readFileSync(join(MNN_DIR, "cls.w4b32.ext.mnn")));
      const refused = new Uint8Array(readFileSync(CLS));
      const view = new DataView(refused.buffer);
      const net = view.getUint32(0, true);
      const fo = view.getUint16(net - view.getInt32(net, true) + 4 + 2 * 3, true);
      const ops = net + fo + view.getUint32(net + fo, true);
      const op = ops + 4 + view.getUint32(ops + 4, true);
      view.setUint8(op + view.getUint16(op - view.getInt32(op, true) + 6, true), 45);
      writeFileSync(join(dir, "unknown_member.mnn"), refused);
      const r = await cliInProcess(["compress", ...args]);
      expect({ code: r.code, lines: r.stderr.trimEnd().split("\n").length }).toEqual({ code: 2, lines: 1 });
      expect(r.stderr.replace(/^bitloop: /, "").trimEnd()).toMatch(pattern);
      expect(files()).toEqual([]);
    });
  }
});
