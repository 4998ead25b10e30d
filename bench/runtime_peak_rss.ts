/**
 * Peak RSS of low vs normal memory mode on the largest zoo model, each configuration measured in its own
 * processes. The parent prints the fp32 weight bytes of all six zoo models and takes the largest
 * (PP-OCRv4 rec), compresses it to 4 bits, block 32 (after `prepareForCompression`), writes it as a
 * .bitloop file, then runs five children per configuration (median reported): the fp32 ONNX in normal
 * mode, the 4-bit file in normal mode (dequantized at load) and the 4-bit file in low mode (weights stay
 * packed). Each child reads `VmHWM` after creating the session, then resets it (`PeakRss`,
 * src/bench/peak_rss.ts) and runs the model {@link RUNS} times: the run peak is the kernel's high-water
 * mark over those runs, the largest RSS the process reached while running. Each configuration's line lists
 * every child's `after create→run peak` in run order, so a bimodal configuration shows as such.
 *
 * @example
 * ```sh
 * node_modules/.bin/deno run -A bench/runtime_peak_rss.ts
 * node_modules/.bin/bun bench/runtime_peak_rss.ts
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { kernelPeakBytes, PeakRss } from "../src/bench/peak_rss.ts";
import { loadModel } from "../src/formats/load.ts";
import type { Graph } from "../src/graph/graph.ts";
import { writeBitloop } from "../src/formats/bitloop/write.ts";
import { compressModel } from "../src/quant/compress_model.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { recInput, renderLine } from "../tests/data/render_text.ts";
import { ZOO, zooPath } from "../tests/zoo/zoo.ts";

const isDeno = "Deno" in globalThis;
/** Child processes per configuration (the median is reported: GC timing makes peaks noisy). */
const SAMPLES = 5;
/** Runs per child after the session is created. */
const RUNS = 5;
const script = new URL(import.meta.url).pathname;

async function child(path: string, memory: "normal" | "low"): Promise<void> {
  const session = await InferenceSession.create(path, { memory });
  const createdPeakBytes = kernelPeakBytes() ?? NaN;
  const x = recInput(renderLine("Hello World 42"));
  const peak = new PeakRss();
  for (let i = 0; i < RUNS; i++) await session.run({ x });
  if (peak.source !== "VmHWM") throw new Error("runtime_peak_rss.ts needs Linux /proc/self/status and clear_refs");
  console.log(JSON.stringify({ createdPeakBytes, peakRssBytes: peak.bytes, kernels: session.kernels }));
}

/** fp32 initializer bytes of a graph and its subgraphs (Silero v5 keeps its weights in If branches). */
function graphFp32Bytes(graph: Graph): number {
  let bytes = 0;
  for (const t of graph.initializers.values()) if (t.type === "float32") bytes += t.data.length * 4;
  for (const node of graph.nodes) {
    for (const a of Object.values(node.attributes)) if (a.kind === "graph") bytes += graphFp32Bytes(a.value);
  }
  return bytes;
}

async function fp32WeightBytes(name: string) {
  const model = await loadModel(zooPath(name));
  prepareForCompression(model);
  return { model, bytes: graphFp32Bytes(model.graph) };
}

async function parent(): Promise<void> {
  const sizes: Array<[string, number]> = [];
  for (const { name } of ZOO.filter((f) => f.path.endsWith(".onnx"))) {
    sizes.push([name, (await fp32WeightBytes(name)).bytes]);
  }
  sizes.sort((a, b) => b[1] - a[1]);
  console.log(`fp32 weight bytes: ${sizes.map(([n, b]) => `${n} ${(b / 2 ** 20).toFixed(2)} MiB`).join(", ")}`);
  if (sizes[0]![0] !== "ppocr_rec") {
    throw new Error(`the largest zoo model is ${sizes[0]![0]}; this script feeds ppocr_rec`);
  }
  const file = "/tmp/bitloop_ppocr_rec_q4b32.bitloop";
  const { model, bytes: fp32Bytes } = await fp32WeightBytes("ppocr_rec");
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
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    createdPeaks[label] = median(created);
    const peakRssBytes = median(samples);
    peaks[label] = peakRssBytes;
    // Each child's after-create → run peak, in run order (the median alone hides a bimodal configuration).
    const all = samples.map((b, i) => `${(created[i]! / 2 ** 20).toFixed(1)}→${(b / 2 ** 20).toFixed(1)}`).join(", ");
    console.log(
      `${label.padEnd(20)} after create ${(createdPeaks[label]! / 2 ** 20).toFixed(1)} MiB; run peak median ${
        (peakRssBytes / 2 ** 20).toFixed(1)
      } MiB (${all})`,
    );
  }
  const pct = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB = ${(100 * b / fp32Bytes).toFixed(0)}%`;
  for (const base of ["fp32 onnx, normal", "4-bit, normal"]) {
    const atCreate = createdPeaks[base]! - createdPeaks["4-bit, low"]!;
    const atPeak = peaks[base]! - peaks["4-bit, low"]!;
    console.log(
      `4-bit low vs ${base}: saves ${pct(atCreate)} of the fp32 weight bytes after create, ${
        pct(atPeak)
      } at the run peak`,
    );
  }
}

const [path, memory] = isDeno ? Deno.args : process.argv.slice(2);
if (path && (memory === "normal" || memory === "low")) await child(path, memory);
else await parent();
