/**
 * Real task accuracy of candidate models against the fp32 zoo models (issue 3): PP-OCR rec exact lines
 * and character accuracy, det text-map IoU, cls agreement, Silero decision agreement, frame accuracy and
 * output cosine, on the generated data sets of tests/data/ (cached in tests/data/cache/). Both models run
 * in bitloop's reference runtime.
 *
 * ```sh
 * bun bench/accuracy.ts                          # every model against itself: every figure perfect
 * bun bench/accuracy.ts --fake-quant8            # against a per-channel 8-bit min-max fake-quant copy
 * bun bench/accuracy.ts --candidate ppocr_rec=.out/rec_4bit.bitloop --candidate ppocr_rec=.out/rec_8bit.bitloop
 * bun bench/accuracy.ts --models ppocr_det,silero_v5 --limit 100 --json .out/accuracy.json
 * ```
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadModel } from "../src/formats/load.ts";
import { exportOnnx } from "../src/formats/onnx/export_onnx.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { zooPath } from "../tests/zoo/zoo.ts";
import { runTask, scoreTask, TASK_MODELS, type TaskModel, type TaskReport } from "./_accuracy_tasks.ts";
import { fakeQuantMinMax8PerChannel } from "./_fake_quant_minmax8.ts";

const USAGE =
  `Usage: bun bench/accuracy.ts [--self] [--fake-quant8] [--candidate NAME=PATH]... [--reference NAME=PATH]...
                             [--models a,b] [--limit N] [--json FILE]
Models: ${TASK_MODELS.join(", ")}. With no candidate, --self is assumed.`;

interface Candidate {
  model: TaskModel;
  label: string;
  path: string;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function modelName(name: string): TaskModel {
  if (!(TASK_MODELS as readonly string[]).includes(name)) fail(`Unknown model "${name}"`);
  return name as TaskModel;
}

function pairs(values: string[] | undefined, flag: string): [TaskModel, string][] {
  return (values ?? []).map((v) => {
    const at = v.indexOf("=");
    if (at < 1) fail(`${flag} takes NAME=PATH, got "${v}"`);
    return [modelName(v.slice(0, at)), v.slice(at + 1)];
  });
}

let args;
try {
  args = parseArgs({
    options: {
      self: { type: "boolean" },
      "fake-quant8": { type: "boolean" },
      candidate: { type: "string", multiple: true },
      reference: { type: "string", multiple: true },
      models: { type: "string" },
      limit: { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const limit = args.limit === undefined ? Infinity : Number(args.limit);
if (!(limit >= 1)) fail(`--limit must be a positive number, got "${args.limit}"`);
const only = args.models?.split(",").map(modelName) ?? [...TASK_MODELS];
const references = new Map(pairs(args.reference, "--reference"));
const candidates: Candidate[] = pairs(args.candidate, "--candidate").map(([model, path]) => ({
  model,
  label: path,
  path,
}));
const referenceOf = (model: TaskModel) => references.get(model) ?? zooPath(model);

if (args.self || (!args["fake-quant8"] && candidates.length === 0)) {
  for (const model of only) candidates.push({ model, label: "fp32 (itself)", path: referenceOf(model) });
}
if (args["fake-quant8"]) {
  mkdirSync(".out/accuracy", { recursive: true });
  for (const model of only) {
    const m = await loadModel(referenceOf(model));
    const summary = fakeQuantMinMax8PerChannel(m);
    const path = `.out/accuracy/${model}.minmax8.onnx`;
    writeFileSync(path, exportOnnx(m));
    console.log(
      `${model}: per-channel 8-bit min-max fake-quant of ${summary.tensors} weight tensors ` +
        `(${summary.weights} weights) → ${path}`,
    );
    candidates.push({ model, label: "min-max 8-bit per-channel (fake-quant)", path });
  }
}

const reports: (TaskReport & { candidate: string; reference: string })[] = [];
for (const model of only) {
  const mine = candidates.filter((c) => c.model === model);
  if (mine.length === 0) continue;
  let t = performance.now();
  const reference = await runTask(model, await InferenceSession.create(referenceOf(model)), limit);
  console.log(`\n${model}: reference ${referenceOf(model)} ran in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  for (const c of mine) {
    t = performance.now();
    const outputs = await runTask(model, await InferenceSession.create(c.path), limit);
    const report = scoreTask(model, reference, outputs);
    reports.push({ ...report, candidate: c.label, reference: referenceOf(model) });
    console.log(`  ${c.label} (${((performance.now() - t) / 1000).toFixed(1)} s, ${report.data}): ${report.summary}`);
    for (const d of report.differences) console.log(`    ${d}`);
  }
}

console.log("\n| model | candidate | data | result |\n|---|---|---|---|");
for (const r of reports) console.log(`| ${r.model} | ${r.candidate} | ${r.data} | ${r.summary} |`);
if (args.json) writeFileSync(args.json, JSON.stringify(reports, null, 2) + "\n");
