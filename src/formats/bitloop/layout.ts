/**
 * The bitloop file format, version 1.2: byte layout, constants and the fixed header. (1.1 adds quantized
 * weights, item 4.1; a 1.1 file without them reads as 1.0 did. 1.2 adds compact 8-bit scales and zero
 * points, item 4.1; 1.0 and 1.1 files read as before.)
 *
 * All integers are little-endian. Offsets are from the start of the file unless said otherwise.
 *
 * 1. **Header**, {@link BITLOOP_HEADER_SIZE} = 136 bytes:
 *    1. `0..8`     magic {@link BITLOOP_MAGIC}, `"BITLOOP\0"`.
 *    2. `8..10`    u16 major format version (1). A reader rejects any major it does not know.
 *    3. `10..12`   u16 minor format version (2). Minors only add FlatBuffers fields; readers accept newer minors.
 *    4. `12..16`   u32 flags. Bit 0 {@link FLAG_EXTERNAL_DATA}: some tensor bytes live in a sidecar file.
 *                  Other bits are zero in 1.x; a reader rejects unknown bits.
 *    5. `16..24`   u64 `metaLength`: byte length M of the FlatBuffers block.
 *    6. `24..32`   u64 `dataLength`: byte length D of the inline data section (0 when all data is external).
 *    7. `32..40`   u64 `sidecarLength`: byte length of the sidecar file (0 without the external flag).
 *    8. `40..72`   sha256 of header bytes `0..40` followed by the FlatBuffers block ({@link metaChecksumInput}),
 *                  so it also guards the version, flags and lengths.
 *    9. `72..104`  sha256 of the inline data section (sha256 of no bytes when D = 0).
 *    10. `104..136` sha256 of the sidecar file (32 zero bytes without the external flag).
 * 2. **FlatBuffers block**, `136..136+M`: root table `Model` of `schema/bitloop.fbs`, file identifier
 *    `"BLFB"`: graph, opsets, IR version, producer, metadata, file info, sidecar name, and every tensor's
 *    name, dtype, dims and data location (string tensors keep their elements here).
 * 3. **Padding**: zero bytes (readers check) up to `dataOffset = align64(136 + M)` ({@link dataOffsetOf}).
 * 4. **Data section**, `dataOffset..dataOffset+D`: each inline tensor's bytes (row-major, little-endian;
 *    float16 as raw half bits, bool as one byte 0/1) at a data-section offset that is a multiple of 64,
 *    zero padding between tensors. Since `dataOffset` is a multiple of 64 too, every tensor starts at a
 *    64-byte aligned file offset, so a reader can view weights in place (`new Float32Array(buffer, at, n)`).
 *    The file ends exactly at `dataOffset + D`.
 *    1. **Quantized weights** (a `Tensor` with a `Quantization` table; `Graph.quantized` in the IR): the
 *       Tensor's dtype and dims are the original float tensor's, and its `offset`/`length` locate the
 *       packed codes (`src/graph/pack.ts`: LSB-first, continuous or group-aligned, in group order per
 *       `src/graph/group_layout.ts`, `ceil(n·bits/8)` bytes when continuous). The scales follow at their
 *       own 64-aligned `scales_offset`: one per group, float32 or float16 (`scale_dtype`), little-endian,
 *       or (1.2, `scale_dtype` Uint8) one log8 byte `q` per group, `scale = fround(scale_ref · 2^(−q/16))`
 *       with the float32 `scale_ref` of the Quantization table (`src/graph/compact_params.ts`).
 *       Asymmetric tensors then store one zero point per group at `zeros_offset`: integer zero points
 *       packed like the codes at `bits` bits, fixed8 ones (1.2) as one byte `z8` each, `zero = z8 /
 *       2^(8 − bits)`, float ones at `scale_dtype` (float32 with log8 scales). All three live in the same
 *       section (data section or sidecar) as the Tensor's `location` says.
 * 5. **Sidecar** (external data only), a separate file `<model>.weight` whose bare name is stored in the
 *    FlatBuffers block: external tensors' bytes at 64-aligned offsets from its start, nothing else.
 *
 * @module
 */
import { ModelFormatError } from "../../errors.ts";

/** First bytes of every bitloop file: `"BITLOOP\0"`. */
export const BITLOOP_MAGIC: readonly number[] = [0x42, 0x49, 0x54, 0x4c, 0x4f, 0x4f, 0x50, 0x00];

/** The format version this code writes, and the newest it reads. */
export const BITLOOP_VERSION: { readonly major: number; readonly minor: number } = { major: 1, minor: 2 };

/** Size of the fixed header; the FlatBuffers block starts here. */
export const BITLOOP_HEADER_SIZE = 136;

/** Alignment of the data section and of every tensor's bytes in it and in the sidecar. */
export const BITLOOP_ALIGNMENT = 64;

/** Header flag bit 0: tensor bytes live in a sidecar file. */
export const FLAG_EXTERNAL_DATA = 1;

/** Byte offset of each header field (layout items 1.1–1.10). */
export const HEADER_OFFSETS = {
  magic: 0,
  major: 8,
  minor: 10,
  flags: 12,
  metaLength: 16,
  dataLength: 24,
  sidecarLength: 32,
  metaSha256: 40,
  dataSha256: 72,
  sidecarSha256: 104,
} as const;

const KNOWN_FLAGS = FLAG_EXTERNAL_DATA;
const SHA256_BYTES = 32;

/** The fixed header of a bitloop file, decoded. */
export interface BitloopHeader {
  /** Major format version. */
  major: number;
  /** Minor format version. */
  minor: number;
  /** Flag bits ({@link FLAG_EXTERNAL_DATA}). */
  flags: number;
  /** Byte length of the FlatBuffers block. */
  metaLength: number;
  /** Byte length of the inline data section. */
  dataLength: number;
  /** Byte length of the sidecar file (0 without external data). */
  sidecarLength: number;
  /** sha256 of header bytes 0..40 and the FlatBuffers block ({@link metaChecksumInput}). */
  metaSha256: Uint8Array;
  /** sha256 of the inline data section. */
  dataSha256: Uint8Array;
  /** sha256 of the sidecar (zeros without external data). */
  sidecarSha256: Uint8Array;
}

/** Rounds `n` up to a multiple of {@link BITLOOP_ALIGNMENT}. */
export function align64(n: number): number {
  return Math.ceil(n / BITLOOP_ALIGNMENT) * BITLOOP_ALIGNMENT;
}

/**
 * File offset of the data section for a FlatBuffers block of `metaLength` bytes.
 *
 * @example
 * ```ts
 * if (dataOffsetOf(1000) !== 1152) throw new Error("136 + 1000 rounds up to 1152");
 * ```
 */
export function dataOffsetOf(metaLength: number): number {
  return align64(BITLOOP_HEADER_SIZE + metaLength);
}

/**
 * Encodes a header as its {@link BITLOOP_HEADER_SIZE} bytes.
 *
 * @example
 * ```ts
 * const zero = new Uint8Array(32);
 * const bytes = encodeHeader({ major: 1, minor: 0, flags: 0, metaLength: 8, dataLength: 0, sidecarLength: 0,
 *   metaSha256: zero, dataSha256: zero, sidecarSha256: zero });
 * if (bytes.length !== 136 || bytes[8] !== 1) throw new Error("layout");
 * ```
 */
export function encodeHeader(header: BitloopHeader): Uint8Array {
  const out = new Uint8Array(BITLOOP_HEADER_SIZE);
  const view = new DataView(out.buffer);
  out.set(BITLOOP_MAGIC, HEADER_OFFSETS.magic);
  view.setUint16(HEADER_OFFSETS.major, header.major, true);
  view.setUint16(HEADER_OFFSETS.minor, header.minor, true);
  view.setUint32(HEADER_OFFSETS.flags, header.flags, true);
  view.setBigUint64(HEADER_OFFSETS.metaLength, BigInt(header.metaLength), true);
  view.setBigUint64(HEADER_OFFSETS.dataLength, BigInt(header.dataLength), true);
  view.setBigUint64(HEADER_OFFSETS.sidecarLength, BigInt(header.sidecarLength), true);
  for (const key of ["metaSha256", "dataSha256", "sidecarSha256"] as const) {
    if (header[key].length !== SHA256_BYTES) throw new RangeError(`Header ${key} must be 32 bytes`);
    out.set(header[key], HEADER_OFFSETS[key]);
  }
  return out;
}

/**
 * The bytes the header's `metaSha256` is computed over: the header's first 40 bytes (magic to
 * `sidecarLength`) followed by the FlatBuffers block.
 *
 * @example
 * ```ts
 * const input = metaChecksumInput(file, file.subarray(136, 136 + header.metaLength));
 * if (input.length !== 40 + header.metaLength) throw new Error("layout");
 * ```
 */
export function metaChecksumInput(headerBytes: Uint8Array, meta: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_OFFSETS.metaSha256 + meta.length);
  out.set(headerBytes.subarray(0, HEADER_OFFSETS.metaSha256), 0);
  out.set(meta, HEADER_OFFSETS.metaSha256);
  return out;
}

function fail(message: string, offset: number): never {
  throw new ModelFormatError("bitloop", message, { offset });
}

/**
 * Decodes and checks the header of the bitloop file `bytes`: magic, version, flags, that the block
 * lengths add up to exactly the file's size, and that the padding is zero. Throws `ModelFormatError`
 * otherwise.
 *
 * @example
 * ```ts
 * const header = decodeHeader(bytes);
 * console.log(`${header.major}.${header.minor}`, header.metaLength);
 * ```
 */
export function decodeHeader(bytes: Uint8Array): BitloopHeader {
  const magicOk = bytes.length >= BITLOOP_MAGIC.length && BITLOOP_MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk) fail('Not a bitloop file: the first 8 bytes are not the magic "BITLOOP\\0"', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_OFFSETS.flags) {
    fail(`Truncated bitloop file: ${bytes.length} bytes, the header alone needs ${BITLOOP_HEADER_SIZE}`, 0);
  }
  const major = view.getUint16(HEADER_OFFSETS.major, true);
  const minor = view.getUint16(HEADER_OFFSETS.minor, true);
  if (major !== BITLOOP_VERSION.major) {
    fail(
      `Unsupported bitloop format version ${major}.${minor}: this reader reads version ` +
        `${BITLOOP_VERSION.major}.x (newest ${BITLOOP_VERSION.major}.${BITLOOP_VERSION.minor})`,
      HEADER_OFFSETS.major,
    );
  }
  if (bytes.length < BITLOOP_HEADER_SIZE) {
    fail(`Truncated bitloop file: ${bytes.length} bytes, the header alone needs ${BITLOOP_HEADER_SIZE}`, 0);
  }
  const flags = view.getUint32(HEADER_OFFSETS.flags, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    fail(`Unknown header flags 0x${flags.toString(16)} (format ${major}.${minor} defines 0x1)`, HEADER_OFFSETS.flags);
  }
  const u64 = (key: "metaLength" | "dataLength" | "sidecarLength"): number => {
    const v = view.getBigUint64(HEADER_OFFSETS[key], true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`Header ${key} ${v} is out of range`, HEADER_OFFSETS[key]);
    return Number(v);
  };
  const metaLength = u64("metaLength");
  const dataLength = u64("dataLength");
  const sidecarLength = u64("sidecarLength");
  const sha = (key: "metaSha256" | "dataSha256" | "sidecarSha256") =>
    bytes.slice(HEADER_OFFSETS[key], HEADER_OFFSETS[key] + SHA256_BYTES);
  const header: BitloopHeader = {
    major,
    minor,
    flags,
    metaLength,
    dataLength,
    sidecarLength,
    metaSha256: sha("metaSha256"),
    dataSha256: sha("dataSha256"),
    sidecarSha256: sha("sidecarSha256"),
  };
  if (metaLength > bytes.length - BITLOOP_HEADER_SIZE) {
    fail(
      `Truncated bitloop file: the FlatBuffers block needs ${metaLength} bytes after the header, ` +
        `the file has ${bytes.length - BITLOOP_HEADER_SIZE}`,
      HEADER_OFFSETS.metaLength,
    );
  }
  const expected = dataOffsetOf(metaLength) + dataLength;
  if (expected !== bytes.length) {
    const what = expected > bytes.length ? "Truncated bitloop file" : "Trailing bytes after the bitloop data section";
    fail(`${what}: the header describes ${expected} bytes, the file has ${bytes.length}`, HEADER_OFFSETS.dataLength);
  }
  const padding = bytes.subarray(BITLOOP_HEADER_SIZE + metaLength, dataOffsetOf(metaLength));
  if (padding.some((b) => b !== 0)) {
    fail("Corrupt bitloop file: the padding after the FlatBuffers block is not zero", BITLOOP_HEADER_SIZE + metaLength);
  }
  if ((flags & FLAG_EXTERNAL_DATA) === 0 && (sidecarLength !== 0 || header.sidecarSha256.some((b) => b !== 0))) {
    fail("Corrupt header: sidecar length or sha256 set without the external-data flag", HEADER_OFFSETS.sidecarLength);
  }
  return header;
}

/**
 * True when `name` is a bare file name, as a stored sidecar name must be: not empty, not `.`/`..`, no
 * path separators, drive colons or NUL, at most 255 bytes.
 *
 * @example
 * ```ts
 * if (!isBareFileName("model.bitloop.weight") || isBareFileName("../etc/passwd")) throw new Error("rule");
 * ```
 */
export function isBareFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== "." && name !== ".." && !/[/\\:\0]/.test(name);
}
