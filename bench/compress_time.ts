/**
 * How long weight compression takes: every zoo model, and a 10.7 M-parameter model made of four copies of
 * PP-OCRv4 rec side by side (four independent recognisers in one graph, every value renamed per copy, so
 * each copy's weights are quantized on their own). Times `compressModel` at the given settings (default:
 * 4-bit, block 32, HQQ, the CLI's `--bits 4 --block 32 --hqq`) after `prepareForCompression`, median of
 * `--repeat` runs, one thread; prints parameters, seconds and million weights per second.
 *
 * @example
 * ```sh
 * node_modules/.bin/bun bench/compress_time.ts
 * node_modules/.bin/deno run -A bench/compress_time.ts --bits 3 --repeat 1
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { summarize } from "../src/bench/latency_stats.ts";
import { loadModel } from "../src/formats/load.ts";
import type { Graph, Model } from "../src/graph/graph.ts";
import { compressModel } from "../src/quant/compress_model.ts";
import { prepareForCompression } from "../src/runtime/prepare_for_compression.ts";
import { ZOO, zooPath } from "../tests/zoo/zoo.ts";

const { values } = parseArgs({
  args: "Deno" in globalThis ? Deno.args : process.argv.slice(2),
  options: {
    bits: { type: "string", default: "4" },
    block: { type: "string", default: "32" },
    repeat: { type: "string", default: "3" },
  },
});
const options = { bits: Number(values.bits), blockSize: Number(values.block), algorithm: "hqq" as const };
const repeat = Number(values.repeat);

/** Copies `graph` with every value name prefixed, so copies can share one graph. */
function renamed(graph: Graph, prefix: string): Graph {
  const name = (n: string) => (n ? prefix + n : n);
  return {
    ...graph,
    inputs: graph.inputs.map((v) => ({ ...v, name: name(v.name) })),
    outputs: graph.outputs.map((v) => ({ ...v, name: name(v.name) })),
    initializers: new Map([...graph.initializers].map(([n, t]) => [name(n), t])),
    quantized: new Map([...graph.quantized].map(([n, q]) => [name(n), q])),
    nodes: graph.nodes.map((node) => ({
      ...node,
      name: name(node.name),
      inputs: node.inputs.map(name),
      outputs: node.outputs.map(name),
    })),
  };
}

/** Four PP-OCRv4 recognisers side by side in one model. */
async function fourRecognisers(): Promise<Model> {
  const rec = await loadModel(zooPath("ppocr_rec"));
  prepareForCompression(rec);
  const copies = [0, 1, 2, 3].map((i) => renamed(rec.graph, `copy${i}/`));
  const graph: Graph = {
    ...rec.graph,
    inputs: copies.flatMap((g) => g.inputs),
    outputs: copies.flatMap((g) => g.outputs),
    initializers: new Map(copies.flatMap((g) => [...g.initializers])),
    quantized: new Map(),
    nodes: copies.flatMap((g) => g.nodes),
  };
  return { ...rec, graph };
}

const models: [string, () => Promise<Model>][] = [
  ...ZOO.filter((f) => f.path.endsWith(".onnx")).map(({ name }): [string, () => Promise<Model>] => [name, async () => {
    const m = await loadModel(zooPath(name));
    prepareForCompression(m);
    return m;
  }]),
  ["4 × ppocr_rec", fourRecognisers],
];

const engine = "Deno" in globalThis ? `Deno ${Deno.version.deno}` : `Bun ${process.versions.bun}`;
console.log(
  `${engine}; compressModel ${options.bits}-bit, block ${options.blockSize}, hqq; median of ${repeat}, one thread`,
);
console.log("| model | weights | quantized | seconds | M weights/s |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [label, load] of models) {
  const model = await load();
  const times: number[] = [];
  let weights = 0;
  let quantized = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const { report } = compressModel(model, options);
    times.push((performance.now() - t0) / 1000);
    weights = report.totals.weights;
    quantized = report.totals.quantized;
  }
  const s = summarize(times).medianMs;
  console.log(
    `| ${label} | ${(weights / 1e6).toFixed(2)} M | ${quantized} tensors | ${s.toFixed(2)} | ${
      (weights / 1e6 / s).toFixed(2)
    } |`,
  );
}
