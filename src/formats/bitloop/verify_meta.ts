/**
 * The FlatBuffers verifier for the bitloop metadata block: the description of `schema/bitloop.fbs` that
 * the shared verifier (`../verify_flatbuffer.ts`) walks. The `flatbuffers` TypeScript library does no
 * checking (an out-of-range read returns `undefined`, which becomes 0), so before any generated accessor
 * runs, every table, vtable, string and vector the reader will touch is checked against the block, and
 * the walk is bounded (nesting depth; total bytes covered, since bitloop writers never share objects),
 * so a crafted block cannot make a reader hang.
 * @module
 */
import { type FlatBufferSchema, verifyFlatBuffer } from "../verify_flatbuffer.ts";

/**
 * The fields of every table in `schema/bitloop.fbs`, by slot: a scalar type (`"u8"`, `"bool"`, `"u16"`,
 * `"i32"`, `"u32"`, `"i64"`, `"u64"`, `"f32"`, `"f64"`), `"string"`, a table name, or a vector of any of these in
 * brackets. A test checks this against the schema file.
 */
export const META_TABLES: Readonly<Record<string, readonly string[]>> = {
  Quantization: [
    ...["u8", "u32", "bool", "i32", "string", "string", "string", "u16"], // format 1.0
    ...["u8", "u32", "u8", "u8", "u64", "u64", "u64", "u64", "f64"], // added in 1.1
    "f32", // added in 1.2
  ],
  Tensor: ["string", "u8", "[i64]", "u8", "u64", "u64", "[string]", "Quantization"],
  Dim: ["u8", "i64", "string"],
  ValueInfo: ["string", "u8", "[Dim]"],
  Attribute: ["string", "u8", "f64", "i64", "string", "Tensor", "Graph", "[f64]", "[i64]", "[string]", "bool"],
  Node: ["string", "string", "string", "[string]", "[string]", "[Attribute]"],
  Graph: ["string", "[ValueInfo]", "[ValueInfo]", "[ValueInfo]", "[Tensor]", "[Node]"],
  OpsetImport: ["string", "i64"],
  KeyValue: ["string", "string"],
  FileInfo: ["string", "string", "string", "[KeyValue]"],
  Model: ["i64", "[OpsetImport]", "string", "string", "[KeyValue]", "Graph", "FileInfo", "string"],
};

/** The root table of the block. */
export const META_ROOT = "Model";

/** The FlatBuffers file identifier of the block (bytes 4..8). */
export const META_IDENTIFIER = "BLFB";

/** Deepest table nesting accepted (a subgraph costs four levels: Graph, Node, Attribute, Graph). */
export const META_MAX_DEPTH = 128;

const META_SCHEMA: FlatBufferSchema = {
  format: "bitloop",
  tables: META_TABLES,
  root: META_ROOT,
  identifier: META_IDENTIFIER,
  maxDepth: META_MAX_DEPTH,
  messagePrefix: "Corrupt FlatBuffers block",
  offsetLabel: "block offset",
};

/**
 * Checks that the FlatBuffers block `meta` is safe to read with the generated accessors: every offset the
 * bitloop reader follows stays inside it. `base` is the block's file offset, used in error offsets.
 * Throws `ModelFormatError` naming the first bad offset. Values (enums, dims) are checked by the reader.
 *
 * @example
 * ```ts
 * verifyMeta(bytes.subarray(136, 136 + header.metaLength), 136); // throws on a corrupt block
 * ```
 */
export function verifyMeta(meta: Uint8Array, base = 0): void {
  verifyFlatBuffer(meta, META_SCHEMA, base);
}
