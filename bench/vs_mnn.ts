/**
 * bitloop against MNN 3.6.1 at every setting of MNN's reference table (`../shared/mnn/README.md`: w8
 * asymmetric, w8 symmetric, w4 block 32, w4 block 32 HQQ, w3 block 32 HQQ, fp16), on MNN's own inputs
 * (`X.input.npy`). For each PP-OCR model (rec, det, cls) the zoo ONNX model is compressed in memory at
 * the same setting with bitloop's defaults otherwise (exactly what `bitloop compress` does:
 * `prepareForCompression` then `compressModel`) and run in bitloop's reference runtime; its figure is
 * against our own fp32 output on the same input. MNN's figure is recomputed from the output files MNN's
 * runtime wrote (`Memory_Normal`) against MNN's fp32 output, as bench/mnn_results.ts does. Figures: rec
 * decoded text (greedy CTC, trimmed) and output cosine, det text-map IoU (p > 0.3), cls output cosine.
 * Sizes: bits per quantized weight (scales and zero points counted) — MNN's from the convolutions of its
 * file — and both file sizes. Prints Markdown.
 *
 * ```sh
 * bun bench/vs_mnn.ts                       # every model, every setting
 * bun bench/vs_mnn.ts --models rec,cls      # a subset
 * bun bench/vs_mnn.ts --algo minmax         # bitloop with another algorithm (default: hqq)
 * ```
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ctcDecode, ctcKeys } from "../src/eval/ctc_decode.ts";
import { compareArrays } from "../src/eval/metrics.ts";
import { textMapIoU } from "../src/eval/text_map_iou.ts";
import { writeBitloop } from "../src/formats/bitloop/write.ts";
import { loadModel } from "../src/formats/load.ts";
import type { Model } from "../src/graph/graph.ts";
import type { QuantAlgorithm } from "../src/graph/quantized_tensor.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import { ACTIVATION_AWARE_MAX_BITS, compressModel, type CompressOptions } from "../src/quant/compress_model.ts";
import type { CompressReport } from "../src/quant/compress_report.ts";
import { paramStorage } from "../src/quant/param_storage.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import {
  HAVE_MNN,
  MNN_DIR,
  MNN_MODELS,
  type MnnModel,
  mnnNpy,
  readMnnFile,
  stem,
} from "../tests/formats/mnn/_mnn_files.ts";
import { type MnnFigure, mnnFigures, README_TABLE, TABLE_VARIANTS } from "../tests/formats/mnn/_mnn_figures.ts";
import { zooPath } from "../tests/zoo/zoo.ts";

type Variant = (typeof TABLE_VARIANTS)[number];

const USAGE = "Usage: bun bench/vs_mnn.ts [--models rec,det,cls] [--algo minmax|mse|hqq]";
const { values: args } = parseArgs({
  options: { models: { type: "string", default: "rec,det,cls" }, algo: { type: "string", default: "hqq" } },
});
const models = args.models.split(",") as MnnModel[];
const algorithm = args.algo as QuantAlgorithm;
if (!models.every((m) => m in MNN_MODELS) || !["minmax", "mse", "hqq"].includes(algorithm)) {
  console.error(USAGE);
  process.exit(2);
}
if (!HAVE_MNN) {
  console.error(`MNN reference files not found at ${MNN_DIR}`);
  process.exit(2);
}

/** MNN's converter arguments of each column (README there) and bitloop's options at the same setting. */
const SETTINGS: Record<Variant, { mnn: string; options: CompressOptions }> = {
  w8: { mnn: "--weightQuantBits 8", options: { bits: 8 } },
  w8sym: { mnn: "--weightQuantBits 8 --weightQuantAsymmetric=0", options: { bits: 8, symmetric: true } },
  w4b32: { mnn: "--weightQuantBits 4 --weightQuantBlock 32", options: { bits: 4, blockSize: 32 } },
  w4b32hqq: { mnn: "… --weightQuantBlock 32 --hqq", options: { bits: 4, blockSize: 32 } },
  w3b32hqq: { mnn: "--weightQuantBits 3 --weightQuantBlock 32 --hqq", options: { bits: 3, blockSize: 32 } },
  fp16: { mnn: "--fp16", options: { fp16: true } },
};

const keys = ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8"));
const figures = mnnFigures();

/** What bitloop's `compress` does at a setting, in words. */
function describe(o: CompressOptions): string {
  if (o.fp16) return "fp16 weights";
  const bits = o.bits ?? 8;
  const p = paramStorage(o, bits);
  const params = o.symmetric ? `${p.scaleDtype} scales` : `${p.scaleDtype} scales, ${p.zeroPoint} zeros`;
  const rounding = bits <= 4 ? "balanced rounding" : "nearest rounding";
  const aware = (o.activationAware ?? bits <= ACTIVATION_AWARE_MAX_BITS) ? ", activation-aware" : "";
  return `${algorithm}${aware}, ${o.symmetric ? "symmetric" : "asymmetric"}, ${rounding}, ${params}`;
}

/** Bits per quantized weight of an MNN file's convolutions, and how many of them are block-wise. */
async function mnnStorage(fileStem: string): Promise<{ bitsPerWeight: number; blockwise: number; convs: number }> {
  const net = await readMnnFile(fileStem);
  let bits = 0, weights = 0, blockwise = 0, convs = 0;
  for (const op of net.ops) {
    const conv = op.convolution;
    if (conv === undefined) continue;
    if (conv.encoding === "float16") {
      const n = conv.weightDims?.reduce((a, b) => a * b, 1) ?? 0;
      bits += 16 * n;
      weights += n;
      continue;
    }
    const q = conv.quantization;
    if (q === undefined) continue;
    convs++;
    if (q.groups !== conv.common.outputCount) blockwise++;
    const paramBits = (q.fp16Scales ? 16 : 32) * (q.asymmetric ? 2 : 1);
    bits += q.values.length * q.bits + q.groups * paramBits;
    weights += q.values.length;
  }
  return { bitsPerWeight: weights > 0 ? bits / weights : NaN, blockwise, convs };
}

async function runOn(model: Model, x: Tensor): Promise<Tensor> {
  const session = await InferenceSession.create(model);
  return (await session.run({ [session.inputNames[0]!]: x }))[session.outputNames[0]!]!;
}

/** Our figure of `out` against our fp32 `ref`, and MNN's; `better` says which side wins. */
function score(model: MnnModel, ref: Tensor, out: Tensor, theirs: MnnFigure | undefined, variant: Variant) {
  const readme = README_TABLE[model];
  const mnnValue = theirs?.value ?? readme.value[variant];
  const mnnText = theirs?.text ?? readme.text?.[variant];
  const source = theirs ? "" : " (README)";
  if (model === "det") {
    const iou = textMapIoU(ref, out).iou;
    return { ours: iou.toFixed(4), mnn: `${mnnValue.toFixed(3)}${source}`, better: verdict(iou, mnnValue) };
  }
  const cosine = compareArrays(ref.data as Float32Array, out.data as Float32Array).cosine;
  if (model === "cls") {
    return { ours: cosine.toFixed(4), mnn: `${mnnValue.toFixed(4)}${source}`, better: verdict(cosine, mnnValue) };
  }
  const fp32 = ctcDecode(ref, keys).trim();
  const text = ctcDecode(out, keys).trim();
  const show = (t: string | undefined, c: number) => `${t === fp32 ? "✅" : JSON.stringify(t)} (${c.toFixed(4)})`;
  const exact = (text === fp32 ? 1 : 0) - (mnnText === fp32 ? 1 : 0);
  return {
    ours: show(text, cosine),
    mnn: `${show(mnnText, mnnValue)}${source}`,
    better: exact !== 0 ? (exact > 0 ? "bitloop" : "MNN") : verdict(cosine, mnnValue),
  };
}

function verdict(ours: number, theirs: number): string {
  const a = Number(ours.toFixed(4)), b = Number(theirs.toFixed(4));
  return a > b ? "bitloop" : a < b ? "**MNN**" : "equal";
}

const LABELS: Record<MnnModel, string> = {
  rec: "rec: text (cos)",
  det: "det: text-map IoU",
  cls: "cls: output cosine",
};

console.log(`bitloop vs MNN 3.6.1 on MNN's inputs (${MNN_DIR}/X.input.npy); bitloop algorithm: ${algorithm}\n`);
console.log(
  "| model | setting | MNN 3.6.1 | bitloop | better | MNN b/w (block-wise convs) | bitloop b/w | " +
    "file MB MNN / bitloop | bitloop settings |",
);
console.log("|---|---|---|---|---|---:|---:|---:|---|");
for (const model of models) {
  const zoo = await loadModel(zooPath(MNN_MODELS[model]));
  prepareForCompression(zoo);
  const x = mnnNpy(`${model}.input.npy`);
  const ref = await runOn(zoo, x);
  // w4b32 and w4b32hqq are one bitloop setting: compressed and run once.
  const cache = new Map<string, { report: CompressReport; ourBytes: number; out: Tensor }>();
  for (const variant of TABLE_VARIANTS) {
    const options = { ...SETTINGS[variant].options, ...(SETTINGS[variant].options.fp16 ? {} : { algorithm }) };
    const key = JSON.stringify(options);
    let done = cache.get(key);
    if (done === undefined) {
      const { model: q, report } = compressModel(zoo, options);
      // Sized before running: the session folds FP16 Casts into the model it is given.
      const ourBytes = (await writeBitloop(q)).model.length;
      done = { report, ourBytes, out: await runOn(q, x) };
      cache.set(key, done);
    }
    const { report, ourBytes, out } = done;
    const theirs = figures.find((f) => f.model === model && f.variant === variant);
    const s = score(model, ref, out, theirs, variant);
    const mnnFile = join(MNN_DIR, `${stem(model, variant)}.mnn`);
    let mnnBw = "—", mnnMb = "—";
    if (theirs) {
      const m = await mnnStorage(stem(model, variant));
      mnnBw = variant === "fp16"
        ? m.bitsPerWeight.toFixed(2)
        : `${m.bitsPerWeight.toFixed(2)} (${m.blockwise}/${m.convs})`;
      mnnMb = (statSync(mnnFile).size / 1e6).toFixed(2);
    }
    const ourBw = options.fp16 ? "16" : report.totals.quantizedBitsPerWeight.toFixed(2);
    console.log(
      `| ${LABELS[model]} | ${variant} | ${s.mnn} | ${s.ours} | ${s.better} | ${mnnBw} | ${ourBw} | ` +
        `${mnnMb} / ${(ourBytes / 1e6).toFixed(2)} | ${describe(options)} |`,
    );
  }
}
console.log(
  "\nMNN's figures are against MNN's fp32 output, ours against ours; \"(README)\" marks a setting whose MNN file is " +
    "not in the reference folder (the README's figure is shown). \"block-wise convs\": how many of the file's " +
    "quantized convolutions MNNConvert actually split into blocks; it falls back to one group per output channel when " +
    "a layer's input channels are not a multiple of the block.",
);
