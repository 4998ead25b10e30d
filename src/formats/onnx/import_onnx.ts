/**
 * Reads an ONNX model (protobuf `ModelProto`) into bitloop's graph IR.
 *
 * Steps: parse with the generated schema; check that the bytes are a model (a graph with outputs, an
 * IR version, a default-domain opset); read every external data file once through `readExternal`;
 * convert the graph (graph_from_proto.ts, attribute_from_proto.ts, tensor_from_proto.ts). Any failure
 * is a `ModelFormatError` (or an `UnsupportedOpError` for attribute kinds bitloop cannot hold), never a
 * bare `TypeError`/`RangeError`.
 * @module
 */
import { fromBinary } from "@bufbuild/protobuf";
import { ModelFormatError, UnsupportedOpError } from "../../errors.ts";
import type { Model } from "../../graph/graph.ts";
import { externalLocations } from "./external_data.ts";
import { graphFromProto } from "./graph_from_proto.ts";
import { type ModelProto, ModelProtoSchema } from "./proto/onnx_pb.ts";

/** Options for {@link importOnnx}. */
export interface ImportOnnxOptions {
  /**
   * Reads an external data file by its location (a path relative to the model's directory; already
   * checked to be relative and free of `..`). `loadModel(path)` supplies one.
   * @default none: a model with external data is rejected
   */
  readExternal?: (location: string) => Promise<Uint8Array>;
}

/**
 * Parses ONNX bytes into the IR. Throws `ModelFormatError` for bytes that are not a valid ONNX model.
 *
 * @example
 * ```ts
 * const model = await importOnnx(await Deno.readFile("model.onnx"));
 * if (model.graph.outputs.length === 0) throw new Error("no outputs");
 * ```
 */
export async function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Promise<Model> {
  try {
    const proto = parse(bytes);
    const external = await readExternalFiles(proto, options.readExternal);
    return modelFromProto(proto, external);
  } catch (error) {
    if (error instanceof ModelFormatError || error instanceof UnsupportedOpError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelFormatError("onnx", `Cannot import ONNX model: ${reason}`, { cause: error });
  }
}

function parse(bytes: Uint8Array): ModelProto {
  if (bytes.length === 0) throw new ModelFormatError("onnx", "Cannot parse ONNX model: the file is empty");
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ModelFormatError("onnx", `Cannot parse ONNX model: ${reason}`, { cause });
  }
  const graph = proto.graph;
  if (!graph || (graph.node.length === 0 && graph.output.length === 0)) {
    throw new ModelFormatError("onnx", "Cannot parse ONNX model: the bytes hold no graph (is this an ONNX file?)");
  }
  if (graph.output.length === 0) {
    throw new ModelFormatError("onnx", `Cannot parse ONNX model: graph "${graph.name}" declares no outputs`);
  }
  if (proto.irVersion <= 0n) {
    throw new ModelFormatError("onnx", "Cannot parse ONNX model: ir_version is missing (is this an ONNX file?)");
  }
  return proto;
}

async function readExternalFiles(
  proto: ModelProto,
  readExternal: ImportOnnxOptions["readExternal"],
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const [location, tensor] of externalLocations(proto)) {
    if (!readExternal) {
      throw new ModelFormatError(
        "onnx",
        `Cannot load tensor "${tensor}": it is stored in external file "${location}"; load the model with ` +
          "loadModel(path) or pass readExternal",
      );
    }
    try {
      files.set(location, await readExternal(location));
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ModelFormatError(
        "onnx",
        `Cannot load tensor "${tensor}": cannot read external data file "${location}": ${reason}`,
        { cause },
      );
    }
  }
  return files;
}

function modelFromProto(proto: ModelProto, external: ReadonlyMap<string, Uint8Array>): Model {
  const opsets: Record<string, number> = {};
  for (const o of proto.opsetImport) opsets[o.domain] = Number(o.version);
  if (opsets[""] === undefined && opsets["ai.onnx"] === undefined) {
    const has = proto.opsetImport.map((o) => `${o.domain} ${o.version}`).join(", ") || "nothing";
    throw new ModelFormatError(
      "onnx",
      `Cannot import ONNX model: opset_import has no entry for the default domain "" (it has: ${has}); add one, ` +
        `e.g. model.opset_import.append(onnx.helper.make_opsetid("", 17)), or re-export with an opset version`,
    );
  }
  const metadata: Record<string, string> = {};
  for (const { key, value } of proto.metadataProps) metadata[key] = value;
  return {
    graph: graphFromProto(proto.graph!, external),
    opsets,
    irVersion: Number(proto.irVersion),
    producer: { name: proto.producerName, version: proto.producerVersion },
    metadata,
  };
}
