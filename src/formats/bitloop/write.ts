/**
 * Writes the graph IR as a bitloop file (layout.ts), optionally with the tensor bytes in a sidecar file.
 * Output is deterministic: the same model and options give the same bytes (no timestamp unless asked).
 * @module
 */
import type { Model } from "../../graph/graph.ts";
import { encodeMeta } from "./_encode.ts";
import { sha256 } from "./_sha256.ts";
import {
  BITLOOP_HEADER_SIZE,
  BITLOOP_VERSION,
  type BitloopHeader,
  dataOffsetOf,
  encodeHeader,
  FLAG_EXTERNAL_DATA,
  isBareFileName,
  metaChecksumInput,
} from "./layout.ts";

/** Facts about a bitloop file itself, stored in its `FileInfo` table (not the source model's metadata). */
export interface BitloopFileInfo {
  /**
   * Tool that wrote the file.
   * @default "bitloop"
   */
  producer?: string;
  /** sha256 (64 hex digits) of the source model file this one was made from. */
  sourceSha256?: string;
  /** Creation time; a `Date` is stored as ISO 8601. Left out unless given, so output stays reproducible. */
  createdAt?: string | Date;
  /** Free key/values. */
  extra?: Record<string, string>;
}

/** Options for {@link writeBitloop}. */
export interface WriteBitloopOptions {
  /**
   * Put every tensor's bytes in a sidecar file instead of the model file.
   * @default false
   */
  externalData?: boolean;
  /**
   * Bare file name of the sidecar, recorded in the model file; the reader asks for exactly this name
   * beside the model. Use `<model file name>.weight`.
   * @default "model.bitloop.weight"
   */
  sidecarName?: string;
  /** File-level metadata. */
  metadata?: BitloopFileInfo;
}

/** The written files. */
export interface BitloopFiles {
  /** The model file. */
  model: Uint8Array;
  /** The sidecar, with `externalData` only; save it under the `sidecarName` beside the model. */
  sidecar?: Uint8Array;
}

/** The default sidecar name. */
export const DEFAULT_SIDECAR_NAME = "model.bitloop.weight";

/**
 * Encodes `model` as a bitloop file: header, FlatBuffers metadata, and every tensor's bytes at a 64-byte
 * aligned offset, in the file or (with `externalData`) in a sidecar. Throws `RangeError`/`TypeError`
 * for a model or option the format cannot hold (a non-integer dim, a bad sidecar name).
 *
 * @example
 * ```ts
 * const { model: bytes } = await writeBitloop(model);
 * const back = await readBitloop(bytes);
 * if (back.graph.nodes.length !== model.graph.nodes.length) throw new Error("round trip");
 * ```
 */
export async function writeBitloop(model: Model, options: WriteBitloopOptions = {}): Promise<BitloopFiles> {
  const external = options.externalData ?? false;
  const sidecarName = options.sidecarName ?? DEFAULT_SIDECAR_NAME;
  if (!isBareFileName(sidecarName)) {
    throw new RangeError(`Sidecar name "${sidecarName}" must be a bare file name (no path separators)`);
  }
  const info = options.metadata ?? {};
  if (info.sourceSha256 !== undefined && !/^[0-9a-f]{64}$/i.test(info.sourceSha256)) {
    throw new RangeError(`metadata.sourceSha256 must be 64 hex digits, got "${info.sourceSha256}"`);
  }
  const createdAt = info.createdAt instanceof Date ? info.createdAt.toISOString() : info.createdAt;
  const { meta, blobs, dataLength } = encodeMeta(model, {
    external,
    sidecarName: external ? sidecarName : undefined,
    fileInfo: {
      producer: info.producer ?? "bitloop",
      sourceSha256: info.sourceSha256,
      createdAt,
      extra: info.extra ?? {},
    },
  });
  const dataOffset = dataOffsetOf(meta.length);
  const file = new Uint8Array(dataOffset + (external ? 0 : dataLength));
  file.set(meta, BITLOOP_HEADER_SIZE);
  // The tensor bytes go straight to their final place: the file's data section or the sidecar.
  const data = external ? new Uint8Array(dataLength) : file.subarray(dataOffset);
  for (const blob of blobs) data.set(blob.bytes, blob.offset);
  const inline = external ? new Uint8Array() : data;
  const header: BitloopHeader = {
    major: BITLOOP_VERSION.major,
    minor: BITLOOP_VERSION.minor,
    flags: external ? FLAG_EXTERNAL_DATA : 0,
    metaLength: meta.length,
    dataLength: inline.length,
    sidecarLength: external ? dataLength : 0,
    metaSha256: new Uint8Array(32),
    dataSha256: await sha256(inline),
    sidecarSha256: external ? await sha256(data) : new Uint8Array(32),
  };
  header.metaSha256 = await sha256(metaChecksumInput(encodeHeader(header), meta));
  file.set(encodeHeader(header), 0);
  return external ? { model: file, sidecar: data } : { model: file };
}
