// Placeholder until the ONNX importer lands.
import type { Model } from "../../graph/graph.ts";
/** Options for importOnnx. */
export interface ImportOnnxOptions { readExternal?: (location: string) => Promise<Uint8Array> }
/** Parses ONNX bytes into the IR. */
export function importOnnx(_bytes: Uint8Array, _options: ImportOnnxOptions = {}): Promise<Model> {
  return Promise.reject(new Error("not yet"));
}
