/**
 * A FlatBuffers verifier driven by a small description of the schema. The `flatbuffers` TypeScript library
 * does no checking (an out-of-range read returns `undefined`, which becomes 0), so before any generated
 * accessor runs, this walks every table, vtable, string and vector a reader will touch and checks each
 * offset and length against the buffer, like flatc's C++ `Verifier`. It also bounds the work: nesting
 * depth, and the total bytes the walk covers, which cannot exceed the buffer's size unless offsets are
 * shared or cyclic (FlatBuffers writers share vtables only), so a crafted buffer cannot make a reader hang.
 *
 * Used by the bitloop format's metadata block (`bitloop/verify_meta.ts`) and by the MNN reader
 * (`mnn/verify_mnn.ts`).
 * @module
 */
import { ModelFormatError } from "../errors.ts";

/**
 * What a verifier needs to know of a schema. Each table lists its fields by slot (vtable index, so a
 * union takes two: its `u8` type, then its value). A field's type is one of:
 * - a scalar: `"u8"`, `"i8"`, `"bool"`, `"u16"`, `"i16"`, `"i32"`, `"u32"`, `"f32"`, `"i64"`, `"u64"`, `"f64"`;
 * - `"string"`, a table name, or a vector of any of these in brackets (`"[i32]"`, `"[Op]"`);
 * - `"union Name"`: a union value, its type in the slot before, its tables in `unions[Name]`;
 * - `"-"`: a field the reader never touches (only its slot is known), not checked.
 */
export interface FlatBufferSchema {
  /** Format name for `ModelFormatError.format`, e.g. `"mnn"`. */
  format: string;
  /** Fields of every table the reader follows, by slot. */
  tables: Readonly<Record<string, readonly string[]>>;
  /** Union members the reader follows: union name → type code → table name. Other codes are skipped. */
  unions?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** The root table's name. */
  root: string;
  /** The 4-character file identifier at bytes 4..8, when the format has one. */
  identifier?: string;
  /** Deepest table nesting accepted. */
  maxDepth: number;
  /** Opens every error message, e.g. `"Corrupt MNN file"`. */
  messagePrefix: string;
  /** Names the offsets in messages, e.g. `"offset"` or `"block offset"`. */
  offsetLabel: string;
}

const SCALAR_BYTES: Readonly<Record<string, number>> = {
  u8: 1,
  i8: 1,
  bool: 1,
  u16: 2,
  i16: 2,
  i32: 4,
  u32: 4,
  f32: 4,
  i64: 8,
  u64: 8,
  f64: 8,
};

/** True when `type` is a scalar type name of {@link FlatBufferSchema}. */
export function isFlatBufferScalar(type: string): boolean {
  return type in SCALAR_BYTES;
}

class Verifier {
  readonly #b: Uint8Array;
  readonly #base: number;
  readonly #s: FlatBufferSchema;
  #budget: number;

  constructor(bytes: Uint8Array, schema: FlatBufferSchema, base: number) {
    this.#b = bytes;
    this.#s = schema;
    this.#base = base;
    this.#budget = bytes.length;
  }

  fail(message: string, at: number): never {
    throw new ModelFormatError(this.#s.format, `${this.#s.messagePrefix}: ${message} at ${this.#s.offsetLabel} ${at}`, {
      offset: this.#base + Math.max(0, at),
    });
  }

  need(at: number, n: number, what: string): void {
    if (!(at >= 0 && n >= 0 && at + n <= this.#b.length)) {
      this.fail(`${what} (${n} bytes) runs outside the ${this.#b.length}-byte block`, at);
    }
  }

  spend(n: number, at: number): void {
    this.#budget -= n;
    if (this.#budget < 0) this.fail("objects overlap (shared or cyclic offsets)", at);
  }

  /** Signed, as the flatbuffers library reads offsets and lengths. */
  i32(at: number): number {
    const b = this.#b;
    return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
  }

  i16(at: number): number {
    return ((this.#b[at]! | (this.#b[at + 1]! << 8)) << 16) >> 16;
  }

  root(): void {
    const id = this.#s.identifier;
    if (id === undefined) {
      this.need(0, 4, "root offset");
    } else {
      this.need(0, 8, "root offset and file identifier");
      const found = String.fromCharCode(...this.#b.subarray(4, 8));
      if (found !== id) this.fail(`file identifier is "${found}", expected "${id}"`, 4);
    }
    this.table(this.i32(0), this.#s.root, 0);
  }

  table(pos: number, name: string, depth: number): void {
    if (depth > this.#s.maxDepth) this.fail(`tables nested deeper than ${this.#s.maxDepth}`, pos);
    this.need(pos, 4, `${name} table`);
    const vt = pos - this.i32(pos);
    this.need(vt, 4, `${name} vtable`);
    const vsize = this.i16(vt);
    const tsize = this.i16(vt + 2);
    if (vsize < 4 || vsize % 2 !== 0) this.fail(`${name} vtable size ${vsize} is invalid`, vt);
    if (tsize < 4) this.fail(`${name} table size ${tsize} is invalid`, vt + 2);
    this.need(vt, vsize, `${name} vtable`);
    this.need(pos, tsize, `${name} table`);
    this.spend(tsize, pos);
    const fields = this.#s.tables[name]!;
    for (let slot = 0; slot < fields.length && 4 + 2 * slot < vsize; slot++) {
      const fo = this.i16(vt + 4 + 2 * slot);
      const type = fields[slot]!;
      if (fo === 0 || type === "-") continue;
      const size = SCALAR_BYTES[type] ?? 4;
      if (fo < 4 || fo + size > tsize) this.fail(`${name} field ${slot} lies outside its ${tsize}-byte table`, vt);
      if (type.startsWith("union ")) {
        const member = this.unionMember(pos, vt, vsize, slot, type.slice(6));
        if (member !== undefined) this.table(pos + fo + this.i32(pos + fo), member, depth + 1);
      } else if (!(type in SCALAR_BYTES)) {
        this.reference(pos + fo, type, depth);
      }
    }
  }

  /** The table a union value at `slot` holds, from the type byte in the slot before; undefined to skip. */
  unionMember(pos: number, vt: number, vsize: number, slot: number, union: string): string | undefined {
    const typeSlot = 4 + 2 * (slot - 1);
    const fo = slot > 0 && typeSlot < vsize ? this.i16(vt + typeSlot) : 0;
    return fo === 0 ? undefined : this.#s.unions?.[union]?.[this.#b[pos + fo]!];
  }

  /** Checks what the uoffset at `at` points to. */
  reference(at: number, type: string, depth: number): void {
    const target = at + this.i32(at);
    if (type === "string") return this.string(target);
    if (!type.startsWith("[")) return this.table(target, type, depth + 1);
    const elem = type.slice(1, -1);
    const size = SCALAR_BYTES[elem] ?? 4;
    this.need(target, 4, `${type} vector length`);
    const n = this.i32(target);
    if (n < 0) this.fail(`${type} vector length ${n} is negative`, target);
    this.need(target + 4, n * size, `${type} vector of ${n}`);
    this.spend(4 + n * size, target);
    if (elem in SCALAR_BYTES) return;
    for (let k = 0; k < n; k++) this.reference(target + 4 + 4 * k, elem, depth);
  }

  string(at: number): void {
    this.need(at, 4, "string length");
    const n = this.i32(at);
    if (n < 0) this.fail(`string length ${n} is negative`, at);
    this.need(at + 4, n, "string");
    this.spend(4 + n, at);
  }
}

/**
 * Checks that the FlatBuffers buffer `bytes` is safe to read with generated accessors for the fields
 * `schema` describes: every offset such a reader follows stays inside it, and the walk is bounded.
 * `base` is the buffer's offset in its file, used in error offsets. Throws `ModelFormatError` naming the
 * first bad offset. Values (enums, counts) are the reader's to check.
 *
 * @example
 * ```ts
 * const schema = {
 *   format: "demo", tables: { T: ["i32"] }, root: "T", maxDepth: 8,
 *   messagePrefix: "Corrupt demo file", offsetLabel: "offset",
 * };
 * try {
 *   verifyFlatBuffer(new Uint8Array([200, 0, 0, 0]), schema);
 *   throw new Error("unreachable");
 * } catch (e) {
 *   if (!(e instanceof ModelFormatError)) throw e; // "T table (4 bytes) runs outside the 4-byte block"
 * }
 * ```
 */
export function verifyFlatBuffer(bytes: Uint8Array, schema: FlatBufferSchema, base = 0): void {
  new Verifier(bytes, schema, base).root();
}
