/**
 * Loads a model from bytes or a path, whatever its format: bitloop (by magic), MNN (by its
 * FlatBuffers root, once supported), else ONNX protobuf. External weight files are read relative
 * to the model's path.
 * @module
 */
import type { Model } from "../graph/graph.ts";
import { currentPlatform } from "../platform/current.ts";
import { BITLOOP_MAGIC } from "./bitloop/layout.ts";
import { readBitloop } from "./bitloop/read.ts";
import { importOnnx } from "./onnx/import_onnx.ts";

/** The model formats bitloop reads. */
export type ModelFormat = "onnx" | "bitloop";

/** Options for {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * Reads an external file (ONNX external data, a bitloop `.weight` sidecar) by path.
   * @default the current platform's readFile
   */
  readFile?: (path: string) => Promise<Uint8Array>;
  /**
   * Directory external files are resolved against when the model is given as bytes.
   * @default the model file's directory, or the working directory for bytes
   */
  baseDir?: string;
}

/** The format of a model file from its first bytes. */
export function detectFormat(bytes: Uint8Array): ModelFormat {
  if (bytes.length >= BITLOOP_MAGIC.length && BITLOOP_MAGIC.every((b, i) => bytes[i] === b)) return "bitloop";
  return "onnx";
}

/**
 * Reads a model into the graph IR. Throws `ModelFormatError` for files that are not a valid model.
 *
 * @example
 * ```ts
 * const model = await loadModel("model.onnx");
 * console.log(model.graph.inputs.map((i) => i.name));
 * ```
 */
export async function loadModel(source: string | Uint8Array, options: LoadModelOptions = {}): Promise<Model> {
  const readFile = options.readFile ?? currentPlatform().readFile;
  const bytes = typeof source === "string" ? await readFile(source) : source;
  const baseDir = options.baseDir ?? (typeof source === "string" ? dirnameOf(source) : ".");
  const readExternal = (name: string) => readFile(joinPath(baseDir, name));
  switch (detectFormat(bytes)) {
    case "bitloop":
      return await readBitloop(bytes, { readSidecar: readExternal });
    case "onnx":
      return await importOnnx(bytes, { readExternal });
  }
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
