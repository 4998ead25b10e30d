/**
 * The FlatBuffers verifier for `.mnn` files: the description of `schema/mnn.fbs` that the shared verifier
 * (`../verify_flatbuffer.ts`) walks before the MNN reader touches a generated accessor. Only the path the
 * reader follows is checked (Net → oplists → Op → Convolution2D → Convolution2DCommon / IDSTQuan); other
 * union members and the Net fields bitloop never reads (`-`) are skipped, as the reader skips them.
 * @module
 */
import { type FlatBufferSchema, verifyFlatBuffer } from "../verify_flatbuffer.ts";

/**
 * The fields of every table in `schema/mnn.fbs` by slot, in the shared verifier's notation; `-` marks a
 * slot the reader never touches (a `deprecated` placeholder in the schema). A test checks this against
 * the schema file.
 */
export const MNN_TABLES: Readonly<Record<string, readonly string[]>> = {
  Convolution2DCommon: [
    ...["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], // padX … dilateY
    ...["i8", "i32", "i32", "i32", "bool", "bool", "[i32]", "[i32]", "bool"], // padMode … hasOutputShape
  ],
  IDSTQuan: [
    ...["[i8]", "[f32]", "i32", "bool", "f32", "f32", "f32", "i32"], // buffer … aMaxOrBits
    ...["i32", "i32", "bool", "bool", "u32", "[u32]", "[u16]", "i8"], // aMin … scaleStorage
  ],
  Convolution2D: ["Convolution2DCommon", "[f32]", "[f32]", "IDSTQuan", "-", "-", "[i64]"],
  Op: ["[i32]", "u8", "union OpParameter", "string", "[i32]", "i32", "i8", "string"],
  Net: ["string", "-", "-", "[Op]", "[string]", "i8", "i8", "[string]", "i32", "i8", "-", "string"],
};

/** The union members the reader follows: `OpParameter` member 9 is `Convolution2D`. */
export const MNN_UNIONS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  OpParameter: { 9: "Convolution2D" },
};

/** The root table of an `.mnn` file (no file identifier). */
export const MNN_ROOT = "Net";

const MNN_SCHEMA: FlatBufferSchema = {
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
