// Reads a user's .npy inputs for a model's declared inputs; shared by run, validate and bench.
import { InputError, ModelFormatError } from "../errors.ts";
import { readNpy } from "../formats/npy/read_npy.ts";
import type { ValueInfo } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import { readUserFile } from "./_files.ts";
import { formatShape } from "./_text.ts";
import { UsageError } from "./_usage_error.ts";

/**
 * Reads `file` as the model input `info`: a ModelFormatError names the input and file when it is not a valid
 * .npy, an InputError when its dtype or fixed dims differ from the declaration.
 */
export async function readInputFile(info: ValueInfo, file: string): Promise<Tensor> {
  const bytes = await readUserFile(file, `input "${info.name}" from "${file}"`);
  let t: Tensor;
  try {
    t = readNpy(bytes);
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    const options = error.offset === undefined ? { cause: error } : { cause: error, offset: error.offset };
    throw new ModelFormatError("npy", `Cannot read input "${info.name}" from "${file}": ${error.message}`, options);
  }
  const fits = (info.dtype === undefined || info.dtype === t.type) &&
    (info.shape === undefined ||
      (info.shape.length === t.dims.length && info.shape.every((d, i) => typeof d !== "number" || d === t.dims[i])));
  if (!fits) {
    throw new InputError(
      info.name,
      `Input "${info.name}" from "${file}" is ${t.type} ${formatShape(t.dims)}; ` +
        `the model takes ${info.dtype ?? "?"} ${formatShape(info.shape)}`,
    );
  }
  return t;
}

/**
 * Maps `--input NAME=FILE.npy` specs to files by input name; a bare `FILE.npy` is accepted when the model has one
 * input. Unknown names, empty files and repeats are usage errors.
 */
export function inputFileSpecs(specs: readonly string[], names: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const [name, file] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [names.length === 1 ? names[0]! : "", spec];
    if (!names.includes(name)) {
      throw new UsageError(`--input "${spec}" names no input of the model; it takes: ${names.join(", ")}`);
    }
    if (file === "" || files.has(name)) {
      throw new UsageError(`--input "${spec}": give each input once, as NAME=FILE.npy`);
    }
    files.set(name, file);
  }
  return files;
}
