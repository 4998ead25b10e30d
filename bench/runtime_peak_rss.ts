/**
 * Peak RSS of low vs normal memory mode on the largest zoo model (PP-OCRv4 rec), each measured in its
 * own process (`VmHWM` from /proc/self/status after creating the session, and after one run: the
 * latter also holds activation garbage the GC has not collected yet, so it is noisy). The parent
 * compresses the model to 4 bits, block 32 (after `prepareForCompression`), writes it as a .bitloop file,
 * then runs five children per configuration (median reported): the fp32 ONNX in normal mode, the 4-bit file in normal mode
 * (dequantized at load) and the 4-bit file in low mode (weights stay packed).
 *
 * @example
 * ```sh
 * node_modules/.bin/deno run -A bench/runtime_peak_rss.ts
 * node_modules/.bin/bun bench/runtime_peak_rss.ts
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { loadModel } from "../src/formats/load.ts";
import { writeBitloop } from "../src/formats/bitloop/write.ts";
import { compressModel } from "../src/quant/compress_model.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { recInput, renderLine } from "../tests/data/render_text.ts";
import { zooPath } from "../tests/zoo/zoo.ts";

const isDeno = "Deno" in globalThis;
/** Child processes per configuration (the median is reported: GC timing makes peaks noisy). */
const SAMPLES = 5;
const script = new URL(import.meta.url).pathname;

function vmHwmBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function child(path: string, memory: "normal" | "low"): Promise<void> {
  const session = await InferenceSession.create(path, { memory });
  const createdPeakBytes = vmHwmBytes();
  await session.run({ x: recInput(renderLine("Hello World 42")) });
  console.log(JSON.stringify({ createdPeakBytes, peakRssBytes: vmHwmBytes(), kernels: session.kernels }));
}

async function parent(): Promise<void> {
  const file = "/tmp/bitloop_ppocr_rec_q4b32.bitloop";
  const model = await loadModel(zooPath("ppocr_rec"));
  prepareForCompression(model);
  let fp32Bytes = 0;
  for (const t of model.graph.initializers.values()) if (t.type === "float32") fp32Bytes += t.data.length * 4;
  const { model: q } = compressModel(model, { bits: 4, blockSize: 32 });
  writeFileSync(file, (await writeBitloop(q)).model);
  console.log(
    `ppocr_rec: ${(fp32Bytes / 2 ** 20).toFixed(2)} MiB fp32 weights; 4-bit file ${
      (statSync(file).size / 2 ** 20).toFixed(2)
    } MiB`,
  );
  const runs: Array<[string, string, string]> = [
    ["fp32 onnx, normal", zooPath("ppocr_rec"), "normal"],
    ["4-bit, normal", file, "normal"],
    ["4-bit, low", file, "low"],
  ];
  const peaks: Record<string, number> = {};
  const createdPeaks: Record<string, number> = {};
  for (const [label, path, memory] of runs) {
    const samples: number[] = [];
    const created: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const args = isDeno ? ["run", "-A", script, path, memory] : [script, path, memory];
      const r = spawnSync(process.execPath, args, { encoding: "utf8" });
      const line = r.stdout.trim().split("\n").pop() ?? "";
      const sample = JSON.parse(line) as { peakRssBytes: number; createdPeakBytes: number };
      samples.push(sample.peakRssBytes);
      created.push(sample.createdPeakBytes);
    }
    created.sort((a, b) => a - b);
    createdPeaks[label] = created[created.length >> 1]!;
    samples.sort((a, b) => a - b);
    const peakRssBytes = samples[samples.length >> 1]!;
    peaks[label] = peakRssBytes;
    const all = samples.map((b) => (b / 2 ** 20).toFixed(1)).join(", ");
    console.log(
      `${label.padEnd(20)} after create ${(createdPeaks[label]! / 2 ** 20).toFixed(1)} MiB; peak RSS median ${
        (peakRssBytes / 2 ** 20).toFixed(1)
      } MiB (${all})`,
    );
  }
  const pct = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB = ${(100 * b / fp32Bytes).toFixed(0)}%`;
  const atCreate = createdPeaks["4-bit, normal"]! - createdPeaks["4-bit, low"]!;
  const atPeak = peaks["4-bit, normal"]! - peaks["4-bit, low"]!;
  console.log(`low saves ${pct(atCreate)} of the fp32 weight bytes after create, ${pct(atPeak)} at the run's peak`);
}

const [path, memory] = isDeno ? Deno.args : process.argv.slice(2);
if (path && (memory === "normal" || memory === "low")) await child(path, memory);
else await parent();
