/**
 * The small platform interface: everything `src/` needs from the host runtime beyond web-standard
 * APIs. Deno and Bun each implement it (deno.ts, bun.ts); {@link currentPlatform} picks one.
 * @module
 */

/** File access used by loaders, writers and the CLI. */
export interface Platform {
  /** Which runtime this is. */
  readonly name: "deno" | "bun" | "node";
  /** Reads a whole file. Rejects with the runtime's NotFound error when it is missing. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Writes a file atomically: the data goes to a temporary file beside `path`, which is then renamed
   * over it, so a crash never leaves a half-written file under `path`.
   */
  writeFileAtomic(path: string, data: Uint8Array): Promise<void>;
  /** Removes a file if it exists. */
  removeFile(path: string): Promise<void>;
  /** True when `path` exists. */
  exists(path: string): Promise<boolean>;
  /** Creates a directory and its parents. */
  mkdirp(path: string): Promise<void>;
}
