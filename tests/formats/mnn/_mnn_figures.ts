// MNN's own quantization results, recomputed from the output files MNN's runtime wrote (shared/mnn/,
// Memory_Normal) against its fp32 outputs: rec decoded text (greedy CTC) and output cosine, det text-map
// IoU (p > 0.3), cls output cosine. README_TABLE is the table in shared/mnn/README.md.
import { readFileSync } from "node:fs";
import { ctcDecode, ctcKeys } from "../../../src/eval/ctc_decode.ts";
import { compareArrays } from "../../../src/eval/metrics.ts";
import { textMapIoU } from "../../../src/eval/text_map_iou.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { type MnnModel, mnnNpy, presentVariants, stem } from "./_mnn_files.ts";

/** The variants (columns) of the README table. */
export const TABLE_VARIANTS = ["w8", "w8sym", "w4b32", "w4b32hqq", "w3b32hqq", "fp16"] as const;

/** One model's figures per variant, as the README prints them. */
export interface ReadmeRow {
  /** rec: decoded text (`undefined` for cls/det). */
  text?: Partial<Record<(typeof TABLE_VARIANTS)[number], string>>;
  /** rec, cls: output cosine; det: text-map IoU. */
  value: Record<(typeof TABLE_VARIANTS)[number], number>;
  /** Decimal places the README gives each value. */
  digits: Record<(typeof TABLE_VARIANTS)[number], number>;
}

const HELLO = "Hello World 42";

/** shared/mnn/README.md, "What MNN's quantization does to these models". */
export const README_TABLE: Record<MnnModel, ReadmeRow> = {
  rec: {
    text: { w8: HELLO, w8sym: HELLO, w4b32: "", w4b32hqq: "Helorld4", w3b32hqq: "2", fp16: HELLO },
    value: { w8: 0.962, w8sym: 0.997, w4b32: 0.5, w4b32hqq: 0.63, w3b32hqq: 0.47, fp16: 0.9997 },
    digits: { w8: 3, w8sym: 3, w4b32: 2, w4b32hqq: 2, w3b32hqq: 2, fp16: 4 },
  },
  det: {
    value: { w8: 0.158, w8sym: 0.002, w4b32: 0.477, w4b32hqq: 0.55, w3b32hqq: 0.487, fp16: 0.997 },
    digits: { w8: 3, w8sym: 3, w4b32: 3, w4b32hqq: 3, w3b32hqq: 3, fp16: 3 },
  },
  cls: {
    value: { w8: 0.9996, w8sym: 0.9997, w4b32: 0.9981, w4b32hqq: 0.9962, w3b32hqq: 0.9851, fp16: 1.0 },
    digits: { w8: 4, w8sym: 4, w4b32: 4, w4b32hqq: 4, w3b32hqq: 4, fp16: 4 },
  },
};

/** One recomputed figure. */
export interface MnnFigure {
  model: MnnModel;
  variant: (typeof TABLE_VARIANTS)[number];
  /** rec: decoded text, trimmed. */
  text: string | undefined;
  /** rec, cls: cosine to the fp32 output; det: text-map IoU. */
  value: number;
}

/** rec's decoded text, spaces at the ends trimmed (the README prints it so; the model ends on a space). */
function decodeLine(probs: Parameters<typeof ctcDecode>[0], keys: readonly string[]): string {
  return ctcDecode(probs, keys).trim();
}

/** rec's fp32 output decoded. */
export function fp32Text(): string {
  return decodeLine(mnnNpy("rec.output.normal.npy"), ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8")));
}

/** Recomputes the figure of every table cell whose output file is present. */
export function mnnFigures(): MnnFigure[] {
  const keys = ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8"));
  const figures: MnnFigure[] = [];
  for (const model of ["rec", "det", "cls"] as const) {
    const fp32 = mnnNpy(`${model}.output.normal.npy`);
    for (const variant of presentVariants(model, TABLE_VARIANTS)) {
      const out = mnnNpy(`${stem(model, variant as MnnFigure["variant"])}.output.normal.npy`);
      const value = model === "det"
        ? textMapIoU(fp32, out).iou
        : compareArrays(fp32.data as Float32Array, out.data as Float32Array).cosine;
      figures.push({
        model,
        variant: variant as MnnFigure["variant"],
        text: model === "rec" ? decodeLine(out, keys) : undefined,
        value,
      });
    }
  }
  return figures;
}
