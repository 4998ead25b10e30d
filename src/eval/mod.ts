/**
 * Task accuracy: how far a compressed model's outputs stray from the original's, as tensor error
 * (cosine, SQNR, max abs error, top-1) and as the task sees it (OCR lines read, text-map IoU, classifier
 * and voice-activity decisions). Pure functions over model outputs plus PaddleOCR's preprocessing and
 * a Silero clip driver; web-standard APIs only, so the CLI and the device agent share them.
 *
 * @example
 * ```ts
 * import { compareTensors, textAccuracy } from "./mod.ts";
 * import { Tensor } from "../graph/tensor.ts";
 * const ref = new Tensor("float32", Float32Array.of(0.8, 0.2), [1, 2]);
 * const cand = new Tensor("float32", Float32Array.of(0.7, 0.3), [1, 2]);
 * if (compareTensors(ref, cand).top1Agreement !== 1) throw new Error("same class");
 * if (textAccuracy(["Total: 42.5O"], ["Total: 42.50"]).exactLines !== 0) throw new Error("one character off");
 * ```
 * @module
 */
export * from "./class_agreement.ts";
export * from "./ctc_decode.ts";
export * from "./edit_distance.ts";
export * from "./metrics.ts";
export * from "./normalize_text.ts";
export * from "./ppocr_input.ts";
export * from "./rgb_image.ts";
export * from "./silero_probabilities.ts";
export type * from "./tensor_runner.ts";
export * from "./text_accuracy.ts";
export * from "./text_map_iou.ts";
export * from "./vad_agreement.ts";
