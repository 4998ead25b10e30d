// MNN's reference files (shared/mnn/, README there): which exist, and reading them with their sidecars.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readNpy } from "../../../src/formats/npy/read_npy.ts";
import { type MnnNet, readMnnWeights } from "../../../src/formats/mnn/mod.ts";
import type { Tensor } from "../../../src/graph/tensor.ts";
import { HAVE_MNN, MNN_DIR } from "../../_shared_mnn.ts";

export { HAVE_MNN, MNN_DIR };

/** The three PaddleOCR models MNN's files were converted from, with their zoo names. */
export const MNN_MODELS = { cls: "ppocr_cls", rec: "ppocr_rec", det: "ppocr_det" } as const;

/** A model's short name in MNN's files. */
export type MnnModel = keyof typeof MNN_MODELS;

/** Weight-quantized variants, as in MNN's README (not every model has every one). */
export const QUANT_VARIANTS = ["w8", "w8sym", "w4", "w4b32", "w4b32hqq", "w3b32hqq", "w4s16", "w4b32.ext"] as const;

/** Bytes of a file in shared/mnn/. */
export function mnnBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(MNN_DIR, name)));
}

/** File stem of a model variant: `cls`, `cls.w8`, … (`""` is the float model). */
export function stem(model: MnnModel, variant: string): string {
  return variant === "" ? model : `${model}.${variant}`;
}

/** The quantized variants of `model` present in shared/mnn/ (empty when it is absent). */
export function presentVariants(model: MnnModel, variants: readonly string[] = QUANT_VARIANTS): string[] {
  return HAVE_MNN ? variants.filter((v) => existsSync(join(MNN_DIR, `${stem(model, v)}.mnn`))) : [];
}

/** Reads `<stem>.mnn`, its external weight file (`<stem>.mnn.weight`) resolved beside it. */
export function readMnnFile(fileStem: string): Promise<MnnNet> {
  return readMnnWeights(mnnBytes(`${fileStem}.mnn`), {
    readSidecar: (path) => Promise.resolve(mnnBytes(path ?? `${fileStem}.mnn.weight`)),
  });
}

/** A `.npy` file of shared/mnn/ as a tensor. */
export function mnnNpy(name: string): Tensor {
  return readNpy(mnnBytes(name));
}
