/**
 * The FlatBuffers verifier for `.mnn` files: the shared verifier (`../verify_flatbuffer.ts`) walking
 * bitloop's MNN schema (`mnn_schema.ts`) before the MNN reader touches a generated accessor. Every table
 * and union member the schema knows is checked; slots it does not know (`-`, or past its last field) and
 * union members it lacks are skipped here (the writer refuses them, `flatbuffer_tree.ts`).
 * @module
 */
import { type FlatBufferSchema, verifyFlatBuffer } from "../verify_flatbuffer.ts";
import { MNN_ROOT, MNN_TABLES, MNN_UNIONS } from "./mnn_schema.ts";

/** bitloop's MNN schema as the shared verifier (and `flatbuffer_tree.ts`) take it. */
export const MNN_SCHEMA: FlatBufferSchema = {
  format: "mnn",
  tables: MNN_TABLES,
  unions: MNN_UNIONS,
  root: MNN_ROOT,
  maxDepth: 8,
  messagePrefix: "Corrupt MNN file",
  offsetLabel: "offset",
};

/**
 * Checks that `bytes` is safe to read with the generated MNN accessors along the reader's path: every
 * offset stays inside the file and the walk is bounded. Throws `ModelFormatError` (format `"mnn"`) naming
 * the first bad offset.
 *
 * @example
 * ```ts
 * verifyMnn(new Uint8Array(await Deno.readFile("model.mnn"))); // throws on a corrupt file
 * ```
 */
export function verifyMnn(bytes: Uint8Array): void {
  verifyFlatBuffer(bytes, MNN_SCHEMA);
}
