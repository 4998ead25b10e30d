/**
 * The task-accuracy measurement behind bench/accuracy.ts, one task per zoo model: run a model over its
 * data set (tests/data/, generated and cached) and score a candidate's outputs against the reference's.
 *
 * - ppocr_rec: CTC-decoded lines (normalized) → exact lines and character accuracy against the truth for
 *   both models, the candidate against the reference, and how many lines the reference reads exactly that
 *   the candidate reads exactly too; plus the mean cosine of the probability tensors.
 * - ppocr_det: text-map IoU at p > 0.3 per page (mean, min, pooled over pages) and the map cosine.
 * - ppocr_cls: argmax agreement, each model's accuracy against the upright / 180° labels, and the cosine
 *   of the probability rows.
 * - silero_*: per-frame speech probabilities over the clip (state fed back) → decision agreement at
 *   p > 0.5, each model's frame accuracy against the labels, and the cosine of the probability sequences.
 * @module
 */
import { readFileSync } from "node:fs";
import { classAgreement } from "../src/eval/class_agreement.ts";
import { ctcDecode, ctcKeys } from "../src/eval/ctc_decode.ts";
import { compareTensors } from "../src/eval/metrics.ts";
import { clsInput, detInput, recInput } from "../src/eval/ppocr_input.ts";
import { sileroProbabilities, type SileroVariant } from "../src/eval/silero_probabilities.ts";
import { textAccuracy } from "../src/eval/text_accuracy.ts";
import { textMapIoU } from "../src/eval/text_map_iou.ts";
import { vadAgreement } from "../src/eval/vad_agreement.ts";
import { Tensor } from "../src/graph/tensor.ts";
import type { InferenceSession } from "../src/runtime/session.ts";
import { clsLineSet, detPageSet, recLineSet } from "../tests/data/ocr_sets.ts";
import { speechClip } from "../tests/data/speech_clip.ts";
import { zooPath } from "../tests/zoo/zoo.ts";

/** The zoo models with a task. */
export const TASK_MODELS = [
  "ppocr_rec",
  "ppocr_det",
  "ppocr_cls",
  "silero_v5",
  "silero_legacy",
  "silero_op18_ifless",
] as const;
/** One of {@link TASK_MODELS}. */
export type TaskModel = typeof TASK_MODELS[number];

/** What a model produced over its data set. */
export type TaskOutputs =
  | { kind: "rec"; texts: string[]; probs: Tensor[] }
  | { kind: "det"; maps: Tensor[] }
  | { kind: "cls"; probs: Tensor }
  | { kind: "vad"; probabilities: Float32Array };

/** Scores of a candidate against a reference on one task. */
export interface TaskReport {
  model: TaskModel;
  /** What was measured, e.g. "24 lines". */
  data: string;
  /** Named figures (fractions in 0..1, counts, cosines). */
  figures: Record<string, number>;
  /** One-line human summary. */
  summary: string;
  /** Items where the candidate differs from the reference, e.g. lines read differently. */
  differences: string[];
}

const SILERO: Record<string, SileroVariant> = { silero_v5: "v5", silero_legacy: "legacy", silero_op18_ifless: "op18" };

/** Runs `session` over the data set of `model`. `limit` caps the items (lines, pages, frames) for quick runs. */
export async function runTask(model: TaskModel, session: InferenceSession, limit = Infinity): Promise<TaskOutputs> {
  const out = (t: Record<string, Tensor>) => t[session.outputNames[0]!]!;
  switch (model) {
    case "ppocr_rec": {
      const keys = ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8"));
      const probs: Tensor[] = [];
      for (const line of recLineSet().slice(0, limit)) probs.push(out(await session.run({ x: recInput(line.image) })));
      return { kind: "rec", texts: probs.map((p) => ctcDecode(p, keys)), probs };
    }
    case "ppocr_det": {
      const maps: Tensor[] = [];
      for (const page of detPageSet().slice(0, limit)) maps.push(out(await session.run({ x: detInput(page.image) })));
      return { kind: "det", maps };
    }
    case "ppocr_cls": {
      const rows: number[] = [];
      for (const s of clsLineSet().slice(0, limit)) {
        rows.push(...(out(await session.run({ x: clsInput(s.image) })).data as Float32Array));
      }
      return { kind: "cls", probs: new Tensor("float32", Float32Array.from(rows), [rows.length / 2, 2]) };
    }
    default: {
      const clip = speechClip();
      const variant = SILERO[model]!;
      return {
        kind: "vad",
        probabilities: await sileroProbabilities(session, clip.audio, { variant, maxFrames: limit }),
      };
    }
  }
}

const pct = (x: number | undefined) => x === undefined ? "n/a" : `${(100 * x).toFixed(1)}%`;

/** Scores candidate outputs against reference outputs of the same task. */
export function scoreTask(model: TaskModel, reference: TaskOutputs, candidate: TaskOutputs): TaskReport {
  if (reference.kind === "rec" && candidate.kind === "rec") {
    const truth = recLineSet().slice(0, reference.texts.length).map((l) => l.text);
    const ref = textAccuracy(reference.texts, truth);
    const cand = textAccuracy(candidate.texts, truth);
    const vsRef = textAccuracy(candidate.texts, reference.texts);
    const kept = ref.perLine.filter((l, i) => l.exact && cand.perLine[i]!.exact).length;
    const noSpaces = textAccuracy(candidate.texts, truth, { ignoreSpaces: true });
    const cosine = mean(reference.probs.map((r, i) => compareTensors(r, candidate.probs[i]!).cosine));
    const n = truth.length;
    return {
      model,
      data: `${n} lines`,
      figures: {
        lines: n,
        referenceExact: ref.exactLines,
        referenceCharAccuracy: ref.charAccuracy,
        candidateExact: cand.exactLines,
        candidateCharAccuracy: cand.charAccuracy,
        candidateVsReferenceExact: vsRef.exactLines,
        candidateVsReferenceCharAccuracy: vsRef.charAccuracy,
        keptExactLines: kept,
        candidateExactIgnoringSpaces: noSpaces.exactLines,
        meanOutputCosine: cosine,
      },
      differences: vsRef.perLine.flatMap((l, i) =>
        l.exact ? [] : [`line ${i}: fp32 ${JSON.stringify(reference.texts[i])} → ${JSON.stringify(candidate.texts[i])}`]
      ),
      summary: `exact ${cand.exactLines}/${n} (fp32 ${ref.exactLines}/${n}), char acc ${pct(cand.charAccuracy)} ` +
        `(fp32 ${pct(ref.charAccuracy)}); vs fp32: ${vsRef.exactLines}/${n} same, char ${pct(vsRef.charAccuracy)}; ` +
        `kept ${kept}/${ref.exactLines} of fp32's exact lines; exact ignoring spaces ${noSpaces.exactLines}/${n}; ` +
        `output cosine ${cosine.toFixed(5)}`,
    };
  }
  if (reference.kind === "det" && candidate.kind === "det") {
    const overlaps = reference.maps.map((r, i) => textMapIoU(r, candidate.maps[i]!));
    const ious = overlaps.map((o) => o.iou);
    const pooled = sum(overlaps.map((o) => o.intersection)) / Math.max(1, sum(overlaps.map((o) => o.union)));
    const cosine = mean(reference.maps.map((r, i) => compareTensors(r, candidate.maps[i]!).cosine));
    return {
      model,
      data: `${ious.length} pages`,
      differences: ious.flatMap((iou, i) => iou === 1 ? [] : [`page ${i}: IoU ${iou.toFixed(4)}`]),
      figures: {
        pages: ious.length,
        meanIoU: mean(ious),
        minIoU: Math.min(...ious),
        pooledIoU: pooled,
        meanMapCosine: cosine,
      },
      summary: `text-map IoU (p > 0.3) mean ${mean(ious).toFixed(4)}, min ${Math.min(...ious).toFixed(4)}, ` +
        `pooled ${pooled.toFixed(4)}; map cosine ${cosine.toFixed(5)}`,
    };
  }
  if (reference.kind === "cls" && candidate.kind === "cls") {
    const labels = clsLineSet().slice(0, reference.probs.dims[0]).map((s) => s.label);
    const a = classAgreement(reference.probs, candidate.probs, labels);
    const cosine = compareTensors(reference.probs, candidate.probs).cosine;
    return {
      model,
      data: `${a.rows} lines`,
      differences: [...a.referenceClasses].flatMap((k, i) =>
        k === a.candidateClasses[i] ? [] : [`sample ${i}: fp32 class ${k} → ${a.candidateClasses[i]}`]
      ),
      figures: {
        samples: a.rows,
        agreement: a.agreement,
        referenceAccuracy: a.referenceAccuracy!,
        candidateAccuracy: a.candidateAccuracy!,
        outputCosine: cosine,
      },
      summary: `argmax agreement ${pct(a.agreement)}; accuracy vs labels ${pct(a.candidateAccuracy)} ` +
        `(fp32 ${pct(a.referenceAccuracy)}); output cosine ${cosine.toFixed(5)}`,
    };
  }
  if (reference.kind === "vad" && candidate.kind === "vad") {
    const labels = speechClip().labels.slice(0, reference.probabilities.length);
    const a = vadAgreement(reference.probabilities, candidate.probabilities, { labels });
    return {
      model,
      data: `${a.frames} frames`,
      differences: [],
      figures: {
        frames: a.frames,
        agreement: a.agreement,
        referenceAccuracy: a.referenceAccuracy!,
        candidateAccuracy: a.candidateAccuracy!,
        cosine: a.cosine,
        maxAbsError: a.maxAbsError,
      },
      summary: `decision agreement ${pct(a.agreement)}; frame accuracy vs labels ${pct(a.candidateAccuracy)} ` +
        `(fp32 ${pct(a.referenceAccuracy)}); output cosine ${a.cosine.toFixed(5)}, max |Δp| ${
          a.maxAbsError.toFixed(4)
        }`,
    };
  }
  throw new TypeError(`Cannot score ${candidate.kind} outputs against ${reference.kind} outputs for ${model}`);
}

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}

function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : sum(xs) / xs.length;
}
