/**
 * The agent's model store: content-addressed by sha256, crash-safe. Layout under the store directory:
 *
 * 1. `models/<id>.model`: a model file whose sha256 is `<id>` (64 lowercase hex digits).
 * 2. `models/<id>.weight`: its optional `.weight` sidecar (a model must be stored first).
 * 3. `tmp/<uuid>.part`: uploads in flight.
 *
 * An upload streams to a temp file while it is hashed, is fsynced, and is renamed into `models/` only
 * once its size and hash check out, so a crash or kill at any moment leaves either the old state or
 * the new one, never a partial model. Opening the store deletes leftover temp files and sidecars whose
 * model is gone. Ids are checked against {@link ID_PATTERN} before they touch any path.
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import type { ModelEntry } from "../src/client/protocol.ts";
import { AgentError } from "./agent_error.ts";

/** What a model id (and a sha256 header) must look like. */
export const ID_PATTERN: RegExp = /^[0-9a-f]{64}$/;

/** Options for {@link ModelStore.open}. */
export interface ModelStoreOptions {
  /**
   * Largest model or sidecar file accepted, in bytes.
   * @default 1 GiB
   */
  maxUploadBytes?: number;
  /**
   * Re-hash every stored file when opening and delete the ones that no longer match their id.
   * @default false
   */
  verify?: boolean;
}

/** Which file of a model. */
export type StoredKind = "model" | "weight";

/** A stored model's files as the store sees them (without the session state). */
export type StoredModel = Omit<ModelEntry, "loaded">;

/** What {@link ModelStore.put} stored. */
export interface PutResult {
  /** Bytes received. */
  bytes: number;
  /** Their sha256. */
  sha256: string;
  /** False when the same content was already stored. */
  created: boolean;
}

/** Options for {@link ModelStore.put}. */
export interface PutOptions {
  /** The sha256 the body must have (required for sidecars; a model's is its id). */
  sha256?: string;
  /** The declared `Content-Length`, checked against the limit before any byte is read. */
  contentLength?: number;
}

/** Throws `AgentError("invalid_id")` unless `id` is 64 lowercase hex digits; returns it. */
export function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) {
    throw new AgentError(
      "invalid_id",
      `Invalid model id ${JSON.stringify(id.slice(0, 80))}: expected 64 lowercase hex digits (sha256)`,
    );
  }
  return id;
}

/** The content-addressed, crash-safe model store. */
export class ModelStore {
  /** The store directory. */
  readonly dir: string;
  /** Largest accepted upload. */
  readonly maxUploadBytes: number;
  readonly #models: string;
  readonly #tmp: string;

  private constructor(dir: string, maxUploadBytes: number) {
    this.dir = dir.replace(/\/+$/, "") || "/";
    this.maxUploadBytes = maxUploadBytes;
    this.#models = `${this.dir}/models`;
    this.#tmp = `${this.dir}/tmp`;
  }

  /**
   * Opens (creating if needed) the store in `dir`, deletes stale temp files and orphan sidecars, and
   * with `verify` re-hashes every file.
   *
   * @example
   * ```ts
   * const store = await ModelStore.open("/var/lib/bitloop");
   * console.log((await store.list()).map((m) => m.id));
   * ```
   */
  static async open(dir: string, options: ModelStoreOptions = {}): Promise<ModelStore> {
    const max = options.maxUploadBytes ?? 1024 ** 3;
    if (!(max > 0)) throw new RangeError(`maxUploadBytes must be positive, got ${max}`);
    const store = new ModelStore(dir, max);
    await mkdir(store.#models, { recursive: true });
    await rm(store.#tmp, { recursive: true, force: true });
    await mkdir(store.#tmp, { recursive: true });
    const names = new Set(await readdir(store.#models));
    for (const name of names) {
      const id = name.slice(0, 64);
      if (name.endsWith(".weight") && !names.has(`${id}.model`)) await rm(`${store.#models}/${name}`, { force: true });
      if (options.verify && name.endsWith(".model") && ID_PATTERN.test(id)) {
        if ((await hashFile(`${store.#models}/${name}`)) !== id) await store.delete(id);
      }
    }
    return store;
  }

  /** Path of a model's file; the id is checked first. */
  path(id: string, kind: StoredKind): string {
    return `${this.#models}/${checkId(id)}.${kind}`;
  }

  /** Every stored model, sorted by id. */
  async list(): Promise<StoredModel[]> {
    const out: StoredModel[] = [];
    for (const name of (await readdir(this.#models)).sort()) {
      const id = name.slice(0, -".model".length);
      if (!name.endsWith(".model") || !ID_PATTERN.test(id)) continue;
      const entry = await this.get(id);
      if (entry) out.push(entry);
    }
    return out;
  }

  /** A stored model, or undefined. */
  async get(id: string): Promise<StoredModel | undefined> {
    const modelPath = this.path(id, "model");
    const info = await statOrUndefined(modelPath);
    if (!info) return undefined;
    const weight = await statOrUndefined(this.path(id, "weight"));
    const head = new Uint8Array(8);
    const handle = await open(modelPath, "r");
    try {
      await handle.read(head, 0, 8, 0);
    } finally {
      await handle.close();
    }
    const magic = new TextDecoder().decode(head.subarray(0, 7));
    return {
      id,
      bytes: info.size,
      weightBytes: weight ? weight.size : null,
      format: magic === "BITLOOP" ? "bitloop" : "onnx",
      storedAt: info.mtime.toISOString(),
    };
  }

  /** True when the model file is stored. */
  async has(id: string): Promise<boolean> {
    return (await statOrUndefined(this.path(id, "model"))) !== undefined;
  }

  /** Reads a model's file, or undefined when it is not stored. */
  async read(id: string, kind: StoredKind): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(id, kind)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Streams `body` into the store as `id`'s model (its sha256 must be `id`) or sidecar (its sha256 must
   * be `options.sha256`). Throws `AgentError`: `payload_too_large` past the limit, `hash_mismatch`,
   * `model_not_found` for a sidecar without its model. Nothing is left behind on failure.
   */
  async put(
    id: string,
    kind: StoredKind,
    body: ReadableStream<Uint8Array> | null,
    options: PutOptions = {},
  ): Promise<PutResult> {
    const finalPath = this.path(id, kind);
    const expected = kind === "model" ? id : options.sha256;
    if (expected === undefined) {
      throw new AgentError("bad_request", `A ${kind} upload needs its sha256 (X-Content-Sha256)`);
    }
    if (kind === "weight" && !(await this.has(id))) {
      throw new AgentError("model_not_found", `No model ${id} is stored: upload the model before its .weight sidecar`);
    }
    if (options.contentLength !== undefined && options.contentLength > this.maxUploadBytes) {
      throw tooLarge(kind, options.contentLength, this.maxUploadBytes);
    }
    const tmpPath = `${this.#tmp}/${crypto.randomUUID()}.part`;
    let received: { bytes: number; sha256: string };
    try {
      received = await receive(body, tmpPath, this.maxUploadBytes, kind);
      if (received.sha256 !== expected) {
        throw new AgentError(
          "hash_mismatch",
          `The ${kind} body hashes to sha256 ${received.sha256}, not the declared ${expected}; nothing was stored`,
        );
      }
      // A model's name is its hash, so an existing one is identical; a sidecar may be replaced.
      const existed = await statOrUndefined(finalPath);
      const same = existed !== undefined && (kind === "model" || (await hashFile(finalPath)) === received.sha256);
      if (!same) {
        await rename(tmpPath, finalPath);
        await syncDir(this.#models);
      }
      return { ...received, created: !same };
    } finally {
      await rm(tmpPath, { force: true });
    }
  }

  /** Deletes a model and its sidecar; false when it was not stored. */
  async delete(id: string): Promise<boolean> {
    const modelPath = this.path(id, "model");
    const existed = (await statOrUndefined(modelPath)) !== undefined;
    await rm(modelPath, { force: true });
    await rm(this.path(id, "weight"), { force: true });
    await syncDir(this.#models);
    return existed;
  }
}

/** Writes the stream to `tmpPath` while hashing it, enforcing `limit`; fsyncs before returning. */
async function receive(
  body: ReadableStream<Uint8Array> | null,
  tmpPath: string,
  limit: number,
  kind: StoredKind,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  const handle = await open(tmpPath, "wx");
  let bytes = 0;
  try {
    if (body) {
      const reader = body.getReader();
      let done = false;
      try {
        while (true) {
          const next = await reader.read();
          if (next.done) {
            done = true;
            break;
          }
          bytes += next.value.length;
          if (bytes > limit) throw tooLarge(kind, bytes, limit);
          hash.update(next.value);
          await handle.write(next.value);
        }
      } finally {
        if (!done) await reader.cancel().catch(() => {});
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { bytes, sha256: hash.digest("hex") };
}

function tooLarge(kind: StoredKind, bytes: number, limit: number): AgentError {
  return new AgentError(
    "payload_too_large",
    `The ${kind} upload exceeds the limit of ${limit} bytes (at ${bytes} bytes)`,
  );
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(1 << 20);
    while (true) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

// fsync the directory so a rename survives a power cut; some platforms cannot open directories.
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort.
  }
}

async function statOrUndefined(path: string): Promise<{ size: number; mtime: Date } | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}
