/**
 * ONNX external data: a tensor with `data_location = EXTERNAL` keeps its bytes in a side file, named
 * by its `external_data` entries `location` (a path relative to the model file), `offset` and `length`
 * (decimal byte counts; `length` absent = to the end of the file). Locations that are absolute or that
 * climb out of the model's directory (`..`) are refused: a model file must not read arbitrary files.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { type GraphProto, type ModelProto, type TensorProto, TensorProto_DataLocation } from "./proto/onnx_pb.ts";

/** Where one external tensor's bytes are. */
export interface ExternalDataRef {
  /** File path relative to the model's directory. */
  location: string;
  /** Byte offset in the file. */
  offset: number;
  /** Byte count, or `undefined` for "to the end of the file". */
  length: number | undefined;
}

/**
 * Parses and checks a tensor's `external_data` entries. Throws `ModelFormatError` naming the tensor
 * when `location` is missing, absolute or contains `..`, or when offset/length are not byte counts.
 */
export function externalDataRef(proto: TensorProto, name: string): ExternalDataRef {
  const entries = new Map(proto.externalData.map((e) => [e.key, e.value]));
  const location = entries.get("location");
  if (!location) throw fail(name, "external data has no location");
  checkLocation(location, name);
  return {
    location,
    offset: byteCount(entries.get("offset"), "offset", name) ?? 0,
    length: byteCount(entries.get("length"), "length", name),
  };
}

/**
 * Every external data file a model refers to (in its main graph, subgraphs and attribute tensors),
 * mapped to the name of the first tensor stored there. Checks each location.
 */
export function externalLocations(model: ModelProto): Map<string, string> {
  const found = new Map<string, string>();
  const visitTensor = (t: TensorProto | undefined, name: string): void => {
    if (!t || t.dataLocation !== TensorProto_DataLocation.EXTERNAL) return;
    const { location } = externalDataRef(t, t.name || name);
    if (!found.has(location)) found.set(location, t.name || name);
  };
  const visitGraph = (g: GraphProto): void => {
    for (const t of g.initializer) visitTensor(t, t.name);
    for (const node of g.node) {
      for (const a of node.attribute) {
        visitTensor(a.t, `${node.name || node.output[0] || node.opType}.${a.name}`);
        if (a.g) visitGraph(a.g);
      }
    }
  };
  if (model.graph) visitGraph(model.graph);
  return found;
}

/**
 * The bytes of an external tensor, sliced from its file's contents in `files` (by location).
 * Throws `ModelFormatError` when the file was not read or the range runs past its end.
 */
export function externalDataBytes(
  proto: TensorProto,
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  const ref = externalDataRef(proto, name);
  const file = files.get(ref.location);
  if (!file) throw fail(name, `external data file "${ref.location}" was not read`);
  const end = ref.length === undefined ? file.length : ref.offset + ref.length;
  if (ref.offset > file.length || end > file.length) {
    const range = ref.length === undefined ? `offset ${ref.offset}` : `offset ${ref.offset} + length ${ref.length}`;
    throw fail(name, `external data "${ref.location}" holds ${file.length} bytes; ${range} runs past its end`);
  }
  return file.subarray(ref.offset, end);
}

function checkLocation(location: string, name: string): void {
  const absolute = location.startsWith("/") || location.startsWith("\\") || /^[a-zA-Z]:/.test(location);
  const climbs = location.split(/[\\/]/).some((part) => part === "..");
  if (absolute || climbs || location.includes("\0")) {
    throw fail(
      name,
      `external data location "${location}" must be a relative path inside the model's directory (no absolute paths, no "..")`,
    );
  }
}

function byteCount(value: string | undefined, key: string, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw fail(name, `external data ${key} "${value}" is not a byte count`);
  return n;
}

function fail(name: string, reason: string): ModelFormatError {
  return new ModelFormatError("onnx", `Cannot load tensor "${name}": ${reason}`);
}
