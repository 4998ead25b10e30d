// Realistic, seeded inputs for every ONNX zoo model (shared by the ONNX importer tests).
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { randomTensor } from "../../_random.ts";

/** The zoo's ONNX models, by short name. */
export const ZOO_MODELS = [
  "silero_v5",
  "silero_legacy",
  "silero_op18_ifless",
  "ppocr_det",
  "ppocr_rec",
  "ppocr_cls",
] as const;

/** One zoo model's short name. */
export type ZooModel = (typeof ZOO_MODELS)[number];

/**
 * Feeds for one run: PP-OCR images in [-1, 1] at their usual sizes; Silero audio frames (512 samples,
 * 576 for the op18 model which prepends 64 samples of context) in [-0.5, 0.5], zero state, sr = 16000.
 */
export function zooFeeds(name: ZooModel, seed = 1): Record<string, Tensor> {
  const sr = fromNumbers("int64", [16000], []);
  switch (name) {
    case "ppocr_cls":
      return { x: randomTensor([1, 3, 48, 192], seed, -1, 1) };
    case "ppocr_rec":
      return { x: randomTensor([1, 3, 48, 320], seed, -1, 1) };
    case "ppocr_det":
      return { x: randomTensor([1, 3, 320, 320], seed, -1, 1) };
    case "silero_v5":
      return { input: randomTensor([1, 512], seed, -0.5, 0.5), state: Tensor.zeros("float32", [2, 1, 128]), sr };
    case "silero_legacy":
      return {
        input: randomTensor([1, 512], seed, -0.5, 0.5),
        sr,
        h: Tensor.zeros("float32", [2, 1, 64]),
        c: Tensor.zeros("float32", [2, 1, 64]),
      };
    case "silero_op18_ifless":
      return { input: randomTensor([1, 576], seed, -0.5, 0.5), sr, state: Tensor.zeros("float32", [2, 1, 128]) };
  }
}
