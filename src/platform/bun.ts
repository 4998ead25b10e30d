/**
 * The Bun (and Node) implementation of {@link Platform}, on `node:fs`.
 * @module
 */
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import type { Platform } from "./platform.ts";
import { writeFileAtomicNode } from "./_node_fs.ts";

/** File access through node:fs, as Bun and Node provide it. */
export const bunPlatform: Platform = {
  name: "Bun" in globalThis ? "bun" : "node",
  readFile: async (path) => new Uint8Array(await readFile(path)),
  writeFileAtomic: writeFileAtomicNode,
  removeFile: (path) => rm(path, { force: true }),
  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  },
  mkdirp: async (path) => {
    await mkdir(path, { recursive: true });
  },
};
