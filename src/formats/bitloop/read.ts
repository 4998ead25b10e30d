/**
 * Reads a bitloop file (layout.ts) into the graph IR. Every check happens before anything is trusted:
 * header (magic, version, flags, lengths against the file size), the sha256 of the header and the
 * FlatBuffers block, a full verification of that block's offsets (verify_meta.ts), the data section's and
 * the sidecar's length and sha256, then each tensor's dims against its byte length and location. Any problem is a `ModelFormatError`
 * naming what and where; a corrupt file never crashes, hangs or makes a reader allocate more than the
 * file holds.
 *
 * Numeric tensors view the file's bytes in place when they are aligned for their element type (always,
 * when `bytes` is a whole ArrayBuffer, since the format aligns every tensor to 64 bytes); otherwise, or
 * with `copy: true`, they are copied. Views share memory with `bytes`: do not reuse that buffer.
 * @module
 */
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../errors.ts";
import type { Model } from "../../graph/graph.ts";
import { decodeKeyValues, decodeMeta } from "./_decode.ts";
import { hex, sameBytes, sha256 } from "./_sha256.ts";
import {
  BITLOOP_HEADER_SIZE,
  type BitloopHeader,
  dataOffsetOf,
  decodeHeader,
  FLAG_EXTERNAL_DATA,
  HEADER_OFFSETS,
  isBareFileName,
  metaChecksumInput,
} from "./layout.ts";
import { Model as FbModel } from "./schema/generated/bitloop_generated.ts";
import { verifyMeta } from "./verify_meta.ts";

/** Options for {@link readBitloop}. */
export interface ReadBitloopOptions {
  /**
   * Reads the sidecar file by its stored bare name (resolve it beside the model). Needed only for
   * models written with external data; `loadModel` supplies one.
   * @default none: a model with a sidecar is rejected with a TypeError
   */
  readSidecar?: (name: string) => Promise<Uint8Array>;
  /**
   * Check the sha256 of the data section and the sidecar (the metadata block is always checked).
   * @default true
   */
  verifyData?: boolean;
  /**
   * Copy every tensor's bytes instead of viewing them in place.
   * @default false
   */
  copy?: boolean;
}

/** What a bitloop file says about itself, without its tensors (for `info`). */
export interface BitloopInfo {
  /** The decoded header. */
  header: BitloopHeader;
  /** File offset of the data section. */
  dataOffset: number;
  /** The sidecar's stored name, when the file has one. */
  sidecarName: string | undefined;
  /** The file-info table. */
  fileInfo: {
    producer: string;
    sourceSha256: string | undefined;
    createdAt: string | undefined;
    extra: Record<string, string>;
  };
}

function fail(message: string, offset: number): never {
  throw new ModelFormatError("bitloop", message, { offset });
}

/** Runs `f`, turning anything but a ModelFormatError (a bug's RangeError, say) into one. */
function guarded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelFormatError("bitloop", `Corrupt bitloop file: ${what} failed: ${reason}`, { cause: error });
  }
}

interface Opened {
  header: BitloopHeader;
  root: FbModel;
  sidecarName: string | undefined;
}

async function open(bytes: Uint8Array): Promise<Opened> {
  const header = decodeHeader(bytes);
  const meta = bytes.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + header.metaLength);
  if (!sameBytes(await sha256(metaChecksumInput(bytes, meta)), header.metaSha256)) {
    fail("Corrupt bitloop file: the header and FlatBuffers block do not match their sha256", HEADER_OFFSETS.metaSha256);
  }
  return guarded("reading the FlatBuffers block", () => {
    verifyMeta(meta, BITLOOP_HEADER_SIZE);
    const root = FbModel.getRootAsModel(new flatbuffers.ByteBuffer(meta));
    const name = root.sidecarName();
    const external = (header.flags & FLAG_EXTERNAL_DATA) !== 0;
    if (external !== (name !== null)) {
      fail(
        external ? "The header flags external data but no sidecar name is stored" : "A sidecar name is stored " +
          "but the header does not flag external data",
        HEADER_OFFSETS.flags,
      );
    }
    if (name !== null && !isBareFileName(name)) {
      fail(`Stored sidecar name "${name}" is not a bare file name`, BITLOOP_HEADER_SIZE);
    }
    return { header, root, sidecarName: name ?? undefined };
  });
}

async function readSidecar(opened: Opened, name: string, options: ReadBitloopOptions): Promise<Uint8Array> {
  if (options.readSidecar === undefined) {
    throw new TypeError(`The model keeps its tensors in the sidecar "${name}": pass readSidecar to read it`);
  }
  let sidecar: Uint8Array;
  try {
    sidecar = await options.readSidecar(name);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ModelFormatError("bitloop", `Cannot read the sidecar "${name}": ${reason}`, { cause });
  }
  const expected = opened.header.sidecarLength;
  if (sidecar.length !== expected) {
    fail(
      `Sidecar "${name}" has ${sidecar.length} bytes, the model expects ${expected}: a truncated or wrong sidecar`,
      HEADER_OFFSETS.sidecarLength,
    );
  }
  if (options.verifyData ?? true) {
    const got = await sha256(sidecar);
    if (!sameBytes(got, opened.header.sidecarSha256)) {
      fail(
        `Sidecar "${name}" does not belong to this model: its sha256 is ${hex(got)}, the model expects ` +
          hex(opened.header.sidecarSha256),
        HEADER_OFFSETS.sidecarSha256,
      );
    }
  }
  return sidecar;
}

/**
 * Parses a bitloop file into the IR. Throws `ModelFormatError` for anything that is not a valid bitloop
 * file (including a missing, truncated or mismatched sidecar).
 *
 * @example
 * ```ts
 * const { model: bytes, sidecar } = await writeBitloop(model, { externalData: true, sidecarName: "m.weight" });
 * const back = await readBitloop(bytes, { readSidecar: async () => sidecar! });
 * if (back.graph.initializers.size !== model.graph.initializers.size) throw new Error("round trip");
 * ```
 */
export async function readBitloop(bytes: Uint8Array, options: ReadBitloopOptions = {}): Promise<Model> {
  const opened = await open(bytes);
  const { header } = opened;
  const dataOffset = dataOffsetOf(header.metaLength);
  const inline = bytes.subarray(dataOffset, dataOffset + header.dataLength);
  if ((options.verifyData ?? true) && !sameBytes(await sha256(inline), header.dataSha256)) {
    fail("Corrupt bitloop file: the data section does not match its sha256", HEADER_OFFSETS.dataSha256);
  }
  const sidecar = opened.sidecarName === undefined ? undefined : await readSidecar(opened, opened.sidecarName, options);
  return guarded(
    "decoding the model",
    () => decodeMeta(opened.root, BITLOOP_HEADER_SIZE, { inline, sidecar, copy: options.copy ?? false }),
  );
}

/**
 * Reads what a bitloop file says about itself — header, sidecar name, file info — after checking the
 * header and the metadata block, without reading tensors or the sidecar.
 *
 * @example
 * ```ts
 * const info = await readBitloopInfo(bytes);
 * console.log(`bitloop ${info.header.major}.${info.header.minor} by ${info.fileInfo.producer}`);
 * ```
 */
export async function readBitloopInfo(bytes: Uint8Array): Promise<BitloopInfo> {
  const opened = await open(bytes);
  return guarded("reading the file info", () => {
    const info = opened.root.fileInfo();
    return {
      header: opened.header,
      dataOffset: dataOffsetOf(opened.header.metaLength),
      sidecarName: opened.sidecarName,
      fileInfo: {
        producer: info?.producer() ?? "",
        sourceSha256: info?.sourceSha256() ?? undefined,
        createdAt: info?.createdAt() ?? undefined,
        extra: info ? decodeKeyValues(info.extraLength(), (i) => info.extra(i)!, BITLOOP_HEADER_SIZE) : {},
      },
    };
  });
}
