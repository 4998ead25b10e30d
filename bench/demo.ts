/**
 * `npm run demo`: the main job end to end on a real model. Fetches the zoo if needed, imports the
 * PP-OCRv4 recognizer from ONNX, writes it in the bitloop format, loads that back, reads the text lines
 * in bench/data/*.pgm, and checks every output against onnxruntime-node. Then compresses the recognizer
 * at 8, 4 and 3 bits (block 32, HQQ, no calibration data), and prints a table of file size, stored bits
 * per weight, output cosine and SQNR against fp32, and the text each model reads.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { ctcDecode, ctcKeys } from "../src/eval/ctc_decode.ts";
import { compareTensors } from "../src/eval/metrics.ts";
import { loadModel } from "../src/formats/load.ts";
import { writeBitloop } from "../src/formats/bitloop/write.ts";
import { Tensor } from "../src/graph/tensor.ts";
import { currentPlatform } from "../src/platform/current.ts";
import { compressModel } from "../src/quant/compress_model.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { agreement } from "../tests/_compare.ts";
import { ortRun, ortSession } from "../tests/_ort.ts";
import { zooPath } from "../tests/zoo/zoo.ts";

/** Reads a binary PGM (P5, 8-bit) text line as the recognizer's input: 3 equal channels, (x/255 − 0.5)/0.5. */
function recInputFromPgm(bytes: Uint8Array): Tensor {
  const header = new TextDecoder().decode(bytes.subarray(0, 32)).split(/\s+/);
  const [magic, w, h] = header;
  if (magic !== "P5") throw new Error("expected a binary PGM");
  const width = Number(w), height = Number(h);
  const start = bytes.length - width * height;
  const out = new Float32Array(3 * height * width);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < width * height; i++) out[c * width * height + i] = (bytes[start + i]! / 255 - 0.5) / 0.5;
  }
  return new Tensor("float32", out, [1, 3, height, width]);
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

if (!existsSync(zooPath("ppocr_rec"))) execFileSync("bun", ["tests/zoo/fetch.ts"], { stdio: "inherit" });
const onnxPath = zooPath("ppocr_rec");
const keys = ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8"));
const lines = readdirSync("bench/data").filter((f) => f.endsWith(".pgm")).sort().map((file) => ({
  file,
  x: recInputFromPgm(readFileSync(`bench/data/${file}`)),
}));

let t = performance.now();
const model = await loadModel(onnxPath);
const { model: bytes } = await writeBitloop(model);
mkdirSync(".out", { recursive: true });
await currentPlatform().writeFileAtomic(".out/ppocr_rec.bitloop", bytes);
console.log(
  `imported ${onnxPath.split("/").pop()} (${mb(statSync(onnxPath).size)}) and wrote .out/ppocr_rec.bitloop ` +
    `(${mb(bytes.length)}) in ${(performance.now() - t).toFixed(0)} ms`,
);

const session = await InferenceSession.create(".out/ppocr_rec.bitloop");
const output = session.outputNames[0]!;
const oracle = await ortSession(onnxPath);
const fp32: Tensor[] = [];
for (const { file, x } of lines) {
  t = performance.now();
  const probs = (await session.run({ x }))[output]!;
  const ms = performance.now() - t;
  fp32.push(probs);
  const ref = (await ortRun(oracle, { x }))[output]!;
  const a = agreement(probs, ref);
  console.log(
    `${file}: "${ctcDecode(probs, keys)}" (onnxruntime: "${ctcDecode(ref, keys)}", cosine ${a.cosine.toFixed(7)}, ` +
      `max abs err ${a.maxAbsError.toExponential(2)}) in ${ms.toFixed(0)} ms with the reference runtime`,
  );
}

// Compression: prepare once (Constant nodes and BatchNormalization folded), compress at each width.
console.log(
  "\ncompressing PP-OCRv4 rec (block 32, HQQ, asymmetric, the default scales: log8 at 3-4 bits, fp16 at 8; " +
    "activation-aware fitting at 3 bits; weights < 1024 elements stay fp32)",
);
t = performance.now();
const prepared = await loadModel(onnxPath);
prepareForCompression(prepared);
const prepareMs = performance.now() - t;
const rows: string[][] = [[
  "model",
  "size",
  "vs ONNX",
  "bits/weight",
  "cosine",
  "SQNR dB",
  ...lines.map((l) => l.file.replace(/\.pgm$/, "")),
]];
rows.push([
  "fp32 (bitloop)",
  mb(bytes.length),
  `${(statSync(onnxPath).size / bytes.length).toFixed(2)}x`,
  "32",
  "1",
  "inf",
  ...fp32.map((p) => `"${ctcDecode(p, keys)}"`),
]);
for (const bits of [8, 4, 3]) {
  t = performance.now();
  const { model: small, report } = compressModel(prepared, { bits, blockSize: 32, algorithm: "hqq" });
  const compressMs = performance.now() - t;
  const file = `.out/ppocr_rec.${bits}bit.bitloop`;
  const written = (await writeBitloop(small)).model;
  await currentPlatform().writeFileAtomic(file, written);
  const s = await InferenceSession.create(file);
  const outs: Tensor[] = [];
  for (const { x } of lines) outs.push((await s.run({ x }))[output]!);
  const cmp = outs.map((o, i) => compareTensors(fp32[i]!, o));
  const mean = (f: (c: (typeof cmp)[number]) => number) => cmp.reduce((a, c) => a + f(c), 0) / cmp.length;
  console.log(
    `  ${bits}-bit: ${report.totals.quantized} tensors quantized in ${(compressMs / 1000).toFixed(2)} s ` +
      `(+ ${(prepareMs / 1000).toFixed(2)} s to prepare), wrote ${file}`,
  );
  rows.push([
    `${bits}-bit block 32 hqq`,
    mb(written.length),
    `${(statSync(onnxPath).size / written.length).toFixed(2)}x`,
    report.totals.quantizedBitsPerWeight.toFixed(2),
    mean((c) => c.cosine).toFixed(5),
    mean((c) => c.sqnrDb).toFixed(2),
    ...outs.map((p) => `"${ctcDecode(p, keys)}"`),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n")}`);
console.log(
  "\nbits/weight counts the packed codes plus each block's scale (one log8 byte at 3-4 bits, fp16 at 8) and packed " +
    "zero point, over the quantized tensors; cosine and SQNR compare the output probabilities with the fp32 model's, " +
    "averaged over the lines.",
);
