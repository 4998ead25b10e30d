/**
 * Warm median latency (one thread) of the PP-OCR zoo models in three session configurations: the
 * reference TypeScript kernels, normal memory mode on the wasm kernels (fp32, packed weights), and low
 * memory mode on the same model compressed to 4 bits, block 32 (int8 dynamic-quant kernels). Inputs are
 * rendered text at the usual sizes (rec 1×3×48×320, det 1×3×320×320, cls 1×3×48×192). Two warm-up runs
 * are discarded; then runs repeat until `RUNS` are taken (fewer for the slow reference kernels).
 *
 * @example
 * ```sh
 * node_modules/.bin/deno run -A bench/runtime_modes.ts
 * node_modules/.bin/bun bench/runtime_modes.ts ppocr_rec   # one model
 * ```
 * @module
 */
import { loadModel } from "../src/formats/load.ts";
import type { Model } from "../src/graph/graph.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import { compressModel } from "../src/quant/compress_model.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { InferenceSession, type SessionOptions } from "../src/runtime/session.ts";
import { clsInput, detInput, recInput, renderLine, renderPage } from "../tests/data/render_text.ts";
import { zooPath } from "../tests/zoo/zoo.ts";

const RUNS = 15;
const REFERENCE_RUNS = 5;
const WARMUP = 2;

const MODELS: Record<string, () => Record<string, Tensor>> = {
  ppocr_rec: () => ({ x: recInput(renderLine("Hello World 42")) }),
  ppocr_det: () => ({ x: detInput(renderPage(["Invoice 2026-11-27", "Total: 42.50 EUR", "bitloop"])) }),
  ppocr_cls: () => ({ x: clsInput(renderLine("Edge devices 123")) }),
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function timeSession(
  source: string | Model,
  options: SessionOptions,
  feeds: Record<string, Tensor>,
  runs: number,
): Promise<{ medianMs: number; minMs: number; kernels: string[] }> {
  const session = await InferenceSession.create(source, options);
  for (let i = 0; i < WARMUP; i++) session.runSync(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    session.runSync(feeds);
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times), kernels: session.kernels };
}

const engine = "Deno" in globalThis ? `Deno ${Deno.version.deno}` : `Bun ${process.versions.bun}`;
const only = ("Deno" in globalThis ? Deno.args : process.argv.slice(2))[0];
console.log(`${engine}, median of warm runs, one thread`);
console.log("model      reference ms  normal ms  low(4-bit) ms  normal÷ref  low÷normal");
for (const [name, makeFeeds] of Object.entries(MODELS)) {
  if (only && only !== name) continue;
  const feeds = makeFeeds();
  const ref = await timeSession(zooPath(name), { kernels: "reference" }, feeds, REFERENCE_RUNS);
  const normal = await timeSession(zooPath(name), {}, feeds, RUNS);
  const model = await loadModel(zooPath(name));
  prepareForCompression(model);
  const q4 = compressModel(model, { bits: 4, blockSize: 32 }).model;
  const low = await timeSession(q4, { memory: "low" }, feeds, RUNS);
  console.log(
    `${name.padEnd(10)} ${ref.medianMs.toFixed(1).padStart(12)} ${normal.medianMs.toFixed(1).padStart(10)} ${
      low.medianMs.toFixed(1).padStart(14)
    } ${(normal.medianMs / ref.medianMs).toFixed(2).padStart(11)} ${
      (low.medianMs / normal.medianMs).toFixed(2).padStart(11)
    }`,
  );
  console.log(`  normal kernels: ${normal.kernels.join(", ")}`);
  console.log(`  low kernels:    ${low.kernels.join(", ")}`);
}
