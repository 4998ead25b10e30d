/**
 * MNN's own weight-quantization results, recomputed from the outputs MNN's runtime wrote for its
 * reference files (`../shared/mnn/`, README there), beside the README's table: rec decoded text and
 * output cosine, det text-map IoU (p > 0.3), cls output cosine, each against MNN's fp32 output. With
 * `--oracle`, also the decoder oracle: each file's weights decoded by bitloop, run in bitloop's runtime,
 * against MNN's output for that file (cosine, max abs error).
 *
 * ```sh
 * bun bench/mnn_results.ts [--oracle]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { compareArrays } from "../src/eval/metrics.ts";
import { HAVE_MNN, MNN_DIR, type MnnModel, mnnNpy, presentVariants, stem } from "../tests/formats/mnn/_mnn_files.ts";
import { fp32Text, mnnFigures, README_TABLE, TABLE_VARIANTS } from "../tests/formats/mnn/_mnn_figures.ts";
import { runWithMnnWeights } from "../tests/formats/mnn/_run_with_mnn_weights.ts";

const { values: args } = parseArgs({ options: { oracle: { type: "boolean", default: false } } });

if (!HAVE_MNN) {
  console.error(`MNN reference files not found at ${MNN_DIR}`);
  process.exit(2);
}

const figures = mnnFigures();
const cell = (model: MnnModel, variant: (typeof TABLE_VARIANTS)[number]): string => {
  const f = figures.find((x) => x.model === model && x.variant === variant);
  const readme = README_TABLE[model];
  const readmeValue = readme.value[variant].toFixed(readme.digits[variant]);
  if (!f) return `— (README ${readmeValue})`;
  const value = f.value.toFixed(4);
  return f.text !== undefined ? `"${f.text}" (cos ${value})` : value;
};

console.log(`MNN's results from its own output files (${MNN_DIR}); rec fp32 decodes "${fp32Text()}"\n`);
console.log(`| model | ${TABLE_VARIANTS.join(" | ")} |`);
console.log(`|---|${TABLE_VARIANTS.map(() => "---").join("|")}|`);
const labels: Record<MnnModel, string> = {
  rec: "rec: decoded text",
  det: "det: text-map IoU (p > 0.3)",
  cls: "cls: output cosine",
};
for (const model of ["rec", "det", "cls"] as const) {
  console.log(`| ${labels[model]} | ${TABLE_VARIANTS.map((v) => cell(model, v)).join(" | ")} |`);
}

if (args.oracle) {
  console.log("\nDecoder oracle: bitloop-decoded weights in bitloop's runtime vs MNN's output for the same file\n");
  console.log("| file | cosine | max abs error |");
  console.log("|---|---|---|");
  for (const model of ["cls", "rec", "det"] as const) {
    for (const variant of ["", ...presentVariants(model), ...presentVariants(model, ["fp16"])]) {
      const name = stem(model, variant);
      const ours = await runWithMnnWeights(model, variant);
      const c = compareArrays(mnnNpy(`${name}.output.normal.npy`).data as Float32Array, ours.data as Float32Array);
      console.log(`| ${name}.mnn | ${c.cosine.toFixed(9)} | ${c.maxAbsError.toExponential(2)} |`);
    }
  }
}
