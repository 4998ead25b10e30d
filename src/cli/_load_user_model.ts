// Reads a model file the user named: one-line errors for missing files, the format detected from its bytes.
import { ModelFormatError } from "../errors.ts";
import type { Model } from "../graph/graph.ts";
import { detectFormat, loadModel, type ModelFormat } from "../formats/load.ts";
import { dirname, readUserFile } from "./_files.ts";

/** A model loaded from a path, with what `info` reports about the file. */
export interface UserModel {
  model: Model;
  format: ModelFormat;
  fileBytes: number;
  /** The file's bytes. */
  bytes: Uint8Array;
}

/** Loads the model at `path`; external data and sidecars resolve next to it. Format errors name the file. */
export async function loadUserModel(path: string): Promise<UserModel> {
  const bytes = await readUserFile(path, `model "${path}"`);
  const format = detectFormat(bytes);
  let model: Model;
  try {
    model = await loadModel(bytes, { baseDir: dirname(path) });
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    const options = error.offset === undefined ? { cause: error } : { cause: error, offset: error.offset };
    throw new ModelFormatError(error.format, `${path}: ${error.message}`, options);
  }
  return { model, format, fileBytes: bytes.length, bytes };
}
