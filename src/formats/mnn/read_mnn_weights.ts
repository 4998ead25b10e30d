/**
 * Reads an MNN `.mnn` file (FlatBuffers, root `Net`, DESIGN.md §6) far enough to list its ops and decode
 * every convolution's weights, float or compressed (IDSTQuan, `decode_idst_quan.ts`), inline or in an
 * external weight file (`_convolution.ts` describes that layout). The file is verified first
 * (`verify_mnn.ts`): a corrupt file is a `ModelFormatError` (format `"mnn"`), never a crash or a hang.
 *
 * Ops other than convolutions are listed (name, type, tensors) but their parameters are not read.
 * @module
 */
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../errors.ts";
import { type ConvSource, convSourceOf, decodeConvolution } from "./_convolution.ts";
import { int32s, vectorBytes } from "./_vectors.ts";
import type { MnnNet, MnnOp } from "./mnn_net.ts";
import { mnnOpTypeName } from "./op_type_name.ts";
import { Convolution2D as FbConvolution2D } from "./schema/generated/mnn/convolution2d.ts";
import { Net as FbNet } from "./schema/generated/mnn/net.ts";
import type { Op as FbOp } from "./schema/generated/mnn/op.ts";
import { verifyMnn } from "./verify_mnn.ts";

/** Options for {@link readMnnWeights}. */
export interface ReadMnnWeightsOptions {
  /**
   * Reads an external weight file: `path` is the op's `Op.externalPath`, or undefined for the model's own
   * sidecar (`<model>.weight` beside the `.mnn` file, written by MNNConvert `--saveExternalData`). Each
   * distinct path is read once. Needed only for models with external data.
   * @default none: a model with external data is rejected with a TypeError
   */
  readSidecar?: (path: string | undefined) => Promise<Uint8Array>;
}

/** `Op.main_type` of a Convolution2D (the 9th member of MNN's `OpParameter` union). */
const CONVOLUTION_2D = 9;

/** Runs `f`, turning anything but a ModelFormatError (a bug's RangeError, say) into one. */
function guarded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelFormatError("mnn", `Corrupt MNN file: ${what} failed: ${reason}`, { cause: error });
  }
}

function tensorNamesOf(indexes: Int32Array, names: readonly string[], op: string, role: string): string[] {
  return Array.from(indexes, (i) => {
    if (names.length === 0) return `#${i}`;
    const name = names[i];
    if (name === undefined) {
      throw new ModelFormatError(
        "mnn",
        `Op "${op}": ${role} tensor index ${i} is outside the ${names.length} tensor names`,
      );
    }
    return name;
  });
}

function readOp(op: FbOp, index: number, names: readonly string[]): { op: MnnOp; conv: ConvSource | undefined } {
  const name = op.name() ?? `#${index}`;
  const type = op.type();
  const externalPath = op.externalPath() ?? undefined;
  let conv: ConvSource | undefined;
  if (op.mainType() === CONVOLUTION_2D) {
    const main = op.main(new FbConvolution2D()) as FbConvolution2D | null;
    if (main) conv = convSourceOf(main, type, name, externalPath);
  }
  return {
    op: {
      index,
      name,
      type,
      typeName: mnnOpTypeName(type),
      mainType: op.mainType(),
      inputs: tensorNamesOf(int32s(vectorBytes(op, 0, 4)), names, name, "input"),
      outputs: tensorNamesOf(int32s(vectorBytes(op, 4, 4)), names, name, "output"),
      externalPath,
      convolution: undefined,
    },
    conv,
  };
}

/** Reads every external weight file the convolutions need, once per path. */
async function readSidecars(
  convs: ConvSource[],
  readSidecar: ReadMnnWeightsOptions["readSidecar"],
): Promise<Map<string | undefined, Uint8Array>> {
  const files = new Map<string | undefined, Uint8Array>();
  const paths = new Set(convs.filter((c) => c.external).map((c) => c.external!.path));
  if (paths.size > 0 && !readSidecar) {
    throw new TypeError(
      `This MNN model keeps its weights in an external file (${[...paths].map((p) => p ?? "<model>.weight")}): ` +
        `pass readSidecar to read it`,
    );
  }
  for (const path of paths) {
    try {
      files.set(path, await readSidecar!(path));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const name = path === undefined ? "the model's weight file (<model>.weight)" : `weight file "${path}"`;
      throw new ModelFormatError("mnn", `Cannot read ${name}: ${reason}`, { cause: error });
    }
  }
  return files;
}

/**
 * Reads an `.mnn` file's ops and decodes every convolution's weights to float32, as MNN dequantizes them
 * at load. Throws {@link ModelFormatError} (format `"mnn"`) for a corrupt or unsupported file, and a
 * `TypeError` when the model has external data and no `readSidecar` was given.
 *
 * @example
 * ```ts
 * const net = await readMnnWeights(await Deno.readFile("cls.w4b32.ext.mnn"), {
 *   readSidecar: (path) => Deno.readFile(path ?? "cls.w4b32.ext.mnn.weight"),
 * });
 * const conv = net.ops.find((op) => op.convolution?.weight)!.convolution!;
 * console.log(conv.encoding, conv.quantization?.bits, conv.weightDims); // "quantized" 4 [8, 3, 3, 3]
 * ```
 */
export async function readMnnWeights(bytes: Uint8Array, options: ReadMnnWeightsOptions = {}): Promise<MnnNet> {
  verifyMnn(bytes);
  const { net, convs } = guarded("reading the op list", () => {
    const fb = FbNet.getRootAsNet(new flatbuffers.ByteBuffer(bytes));
    const tensorNames = Array.from({ length: fb.tensorNameLength() }, (_, i) => fb.tensorName(i) ?? "");
    const convs = new Map<MnnOp, ConvSource>();
    const ops: MnnOp[] = [];
    for (let i = 0; i < fb.oplistsLength(); i++) {
      const { op, conv } = readOp(fb.oplists(i)!, i, tensorNames);
      ops.push(op);
      if (conv) convs.set(op, conv);
    }
    const net: MnnNet = {
      bizCode: fb.bizCode() ?? undefined,
      sourceType: fb.sourceType(),
      uuid: fb.mnnUuid() ?? undefined,
      tensorNames,
      outputNames: Array.from({ length: fb.outputNameLength() }, (_, i) => fb.outputName(i) ?? ""),
      ops,
    };
    return { net, convs };
  });
  const files = await readSidecars([...convs.values()], options.readSidecar);
  for (const [op, source] of convs) {
    op.convolution = guarded(`decoding op "${op.name}"`, () => {
      return decodeConvolution(source, source.external ? files.get(source.external.path) : undefined);
    });
  }
  return net;
}
