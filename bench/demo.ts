/**
 * `npm run demo`: the main job end to end on a real model. Fetches the zoo if needed, imports the
 * PP-OCRv4 recognizer from ONNX, writes it in the bitloop format, loads that back, reads the text lines
 * in bench/data/*.pgm, and checks every output against onnxruntime-node.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { loadModel } from "../src/formats/load.ts";
import { writeBitloop } from "../src/formats/bitloop/write.ts";
import { Tensor } from "../src/graph/tensor.ts";
import { currentPlatform } from "../src/platform/current.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { agreement } from "../tests/_compare.ts";
import { ortRun, ortSession } from "../tests/_ort.ts";
import { ctcDecode } from "../tests/data/render_text.ts";
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

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

if (!existsSync(zooPath("ppocr_rec"))) execFileSync("bun", ["tests/zoo/fetch.ts"], { stdio: "inherit" });
const onnxPath = zooPath("ppocr_rec");
const keys = readFileSync(zooPath("ppocr_keys"), "utf8").split("\n").filter((k) => k.length > 0);

let t = performance.now();
const model = await loadModel(onnxPath);
const { model: bytes } = await writeBitloop(model);
mkdirSync(".out", { recursive: true });
await currentPlatform().writeFileAtomic(".out/ppocr_rec.bitloop", bytes);
console.log(`imported ${onnxPath.split("/").pop()} (${mb(statSync(onnxPath).size)}) and wrote .out/ppocr_rec.bitloop (${mb(bytes.length)}) in ${(performance.now() - t).toFixed(0)} ms`);

const session = await InferenceSession.create(".out/ppocr_rec.bitloop");
const oracle = await ortSession(onnxPath);
for (const file of readdirSync("bench/data").filter((f) => f.endsWith(".pgm")).sort()) {
  const x = recInputFromPgm(readFileSync(`bench/data/${file}`));
  t = performance.now();
  const out = await session.run({ x });
  const ms = performance.now() - t;
  const probs = out[session.outputNames[0]!]!;
  const ref = (await ortRun(oracle, { x }))[session.outputNames[0]!]!;
  const a = agreement(probs, ref);
  console.log(
    `${file}: "${ctcDecode(probs, keys)}" (onnxruntime: "${ctcDecode(ref, keys)}", cosine ${a.cosine.toFixed(7)}, ` +
      `max abs err ${a.maxAbsError.toExponential(2)}) in ${ms.toFixed(0)} ms with the reference runtime`,
  );
}
