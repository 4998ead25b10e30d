/**
 * Runtime latency side by side, one thread, in one process: for every zoo model, bitloop with the
 * reference kernels, bitloop's wasm kernels in normal memory mode (fp32; `fast`: with `precision: "fast"`,
 * fused multiply-add), bitloop in low memory mode on a
 * 4-bit block-32 compressed copy (int8 dynamic-quant kernels), onnxruntime-web (wasm backend, SIMD, one
 * thread) and onnxruntime-node (intraOpNumThreads 1), all on the same inputs (tests/formats/onnx/_zoo_feeds.ts:
 * PP-OCR rec 1×3×48×320, det 1×3×320×320, cls 1×3×48×192). Timing is TVM's (src/bench/time_evaluator.ts):
 * warm-up discarded, `repeat` measurements of `number` runs grown to `--min-repeat-ms` — interleaved: every
 * engine's session is made first, then each round takes one measurement of every engine in turn, so a slow
 * spell of a shared machine hits all engines alike instead of one (the reference kernels, too slow for
 * that, are measured on their own). Prints median and p90 per engine and the ratios bitloop/ort-web and
 * bitloop/ort-node (below 1: bitloop is faster).
 *
 * @example
 * ```sh
 * node_modules/.bin/deno run -A bench/side_by_side.ts
 * node_modules/.bin/bun bench/side_by_side.ts --models ppocr_rec,ppocr_cls --repeat 5 --markdown
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { type LatencySummary, summarize } from "../src/bench/latency_stats.ts";
import { timeEvaluator } from "../src/bench/time_evaluator.ts";
import { loadModel } from "../src/formats/load.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import { compressModel } from "../src/quant/compress_model.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { InferenceSession, type SessionOptions } from "../src/runtime/session.ts";
import { ZOO_MODELS, zooFeeds, type ZooModel } from "../tests/formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../tests/zoo/zoo.ts";

const ENGINES = ["reference", "normal", "fast", "low4", "ort-web", "ort-node"] as const;
type Engine = (typeof ENGINES)[number];

const { values } = parseArgs({
  args: "Deno" in globalThis ? Deno.args : process.argv.slice(2),
  options: {
    models: { type: "string", default: ZOO_MODELS.join(",") },
    engines: { type: "string", default: ENGINES.join(",") },
    warmup: { type: "string", default: "2" },
    repeat: { type: "string", default: "10" },
    "min-repeat-ms": { type: "string", default: "200" },
    "reference-repeat": { type: "string", default: "3" },
    markdown: { type: "boolean" },
  },
});
const models = values.models.split(",").filter((m): m is ZooModel => (ZOO_MODELS as readonly string[]).includes(m));
const engines = values.engines.split(",").filter((e): e is Engine => (ENGINES as readonly string[]).includes(e));
const warmup = Number(values.warmup);
const repeat = Number(values.repeat);
const minRepeatMs = Number(values["min-repeat-ms"]);
const referenceRepeat = Number(values["reference-repeat"]);

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;
ortWeb.env.wasm.wasmPaths = new URL("../node_modules/onnxruntime-web/dist/", import.meta.url).href;
ortWeb.env.logLevel = "error";

/** A prepared engine: one call runs the model once on the feeds. */
interface Runner {
  run: () => unknown;
  note: string;
  close?: () => Promise<void>;
}

async function bitloop(
  source: string | Parameters<typeof InferenceSession.create>[0],
  options: SessionOptions,
  feeds: Record<string, Tensor>,
): Promise<Runner> {
  const session = await InferenceSession.create(source, options);
  return {
    run: () => session.runSync(feeds),
    get note() {
      return session.kernels.length > 0 ? session.kernelBackend : "reference";
    },
  };
}

function ortFeeds<T>(make: (t: Tensor) => T, feeds: Record<string, Tensor>): Record<string, T> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, make(t)]));
}

async function prepare(name: ZooModel, engine: Engine, feeds: Record<string, Tensor>): Promise<Runner> {
  const path = zooPath(name);
  switch (engine) {
    case "reference":
      return await bitloop(path, { kernels: "reference" }, feeds);
    case "normal":
      return await bitloop(path, { kernels: "auto", memory: "normal" }, feeds);
    case "fast":
      return await bitloop(path, { kernels: "auto", memory: "normal", precision: "fast" }, feeds);
    case "low4": {
      const model = await loadModel(path);
      prepareForCompression(model);
      const q4 = compressModel(model, { bits: 4, blockSize: 32 }).model;
      return await bitloop(q4, { kernels: "auto", memory: "low" }, feeds);
    }
    case "ort-web": {
      const s = await ortWeb.InferenceSession.create(path, { executionProviders: ["wasm"], logSeverityLevel: 3 });
      const f = ortFeeds(
        (t) => new ortWeb.Tensor(t.type as ortWeb.Tensor.Type, t.data as ortWeb.Tensor.DataType, [...t.dims]),
        feeds,
      );
      return { run: () => s.run(f), note: "wasm simd 1t", close: () => s.release() };
    }
    case "ort-node": {
      const s = await ortNode.InferenceSession.create(path, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
        logSeverityLevel: 3,
      });
      const f = ortFeeds(
        (t) => new ortNode.Tensor(t.type as ortNode.Tensor.Type, t.data as ortNode.Tensor.DataType, [...t.dims]),
        feeds,
      );
      return { run: () => s.run(f), note: "cpu 1t", close: () => s.release() };
    }
  }
}

/**
 * Times the runners round-robin: the first round grows each engine's `number` to `--min-repeat-ms` after
 * its warm-up, every later round takes one measurement of each engine with that `number`.
 */
async function timeInterleaved(runners: Map<Engine, Runner>): Promise<Map<Engine, LatencySummary>> {
  const numbers = new Map<Engine, number>();
  const runs = new Map<Engine, number[]>();
  for (let round = 0; round < repeat; round++) {
    for (const [engine, runner] of runners) {
      const first = !numbers.has(engine);
      const r = await timeEvaluator(runner.run, {
        warmup: first ? warmup : 0,
        repeat: 1,
        ...(first ? { minRepeatMs } : { number: numbers.get(engine)! }),
      });
      numbers.set(engine, r.number);
      runs.set(engine, [...(runs.get(engine) ?? []), r.runsMs[0]!]);
    }
  }
  return new Map([...runs].map(([engine, ms]) => [engine, summarize(ms)]));
}

const runtime = "Deno" in globalThis ? `Deno ${Deno.version.deno}` : `Bun ${process.versions.bun}`;
console.log(
  `${runtime}; warm-up ${warmup}, ${repeat} measurements of ≥ ${minRepeatMs} ms (reference kernels: ${referenceRepeat} runs); one thread`,
);
const rows: string[][] = [["model", "engine", "median ms", "p90 ms", "÷ ort-web", "÷ ort-node", "kernels"]];
for (const name of models) {
  const feeds = zooFeeds(name);
  const results = new Map<Engine, { medianMs: number; p90Ms: number; note: string }>();
  const runners = new Map<Engine, Runner>();
  for (const engine of engines) {
    try {
      const runner = await prepare(name, engine, feeds);
      if (engine !== "reference") runners.set(engine, runner);
      else {
        const r = await timeEvaluator(runner.run, { warmup: 1, repeat: referenceRepeat });
        results.set(engine, { ...r, note: runner.note });
      }
    } catch (error) {
      console.error(`${name} ${engine}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const [engine, summary] of await timeInterleaved(runners)) {
    results.set(engine, { ...summary, note: runners.get(engine)!.note });
  }
  for (const runner of runners.values()) await runner.close?.();
  const web = results.get("ort-web")?.medianMs;
  const node = results.get("ort-node")?.medianMs;
  const ratio = (v: number, base: number | undefined) => (base === undefined ? "" : (v / base).toFixed(2));
  for (const [engine, r] of results) {
    const own = !engine.startsWith("ort");
    rows.push([
      name,
      engine === "low4"
        ? "bitloop low 4-bit"
        : engine === "fast"
        ? "bitloop normal, fast"
        : own
        ? `bitloop ${engine}`
        : engine,
      r.medianMs.toFixed(2),
      r.p90Ms.toFixed(2),
      own ? ratio(r.medianMs, web) : "",
      own ? ratio(r.medianMs, node) : "",
      r.note,
    ]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
if (values.markdown) {
  for (const [i, row] of rows.entries()) {
    console.log(`| ${row.join(" | ")} |`);
    if (i === 0) console.log(`|${row.map((_, j) => (j >= 2 && j <= 5 ? "---:" : "---")).join("|")}|`);
  }
} else {
  for (const row of rows) {
    console.log(
      row.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd(),
    );
  }
}
