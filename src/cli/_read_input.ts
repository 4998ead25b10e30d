// Reads a user's .npy input for a declared model input; shared by run, validate and bench.
import { InputError, ModelFormatError } from "../errors.ts";
import { readNpy } from "../formats/npy/read_npy.ts";
import type { ValueInfo } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import { readUserFile } from "./_files.ts";
import { formatShape } from "./_text.ts";

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
