/**
 * The Deno implementation of {@link Platform}.
 * @module
 */
import type { Platform } from "./platform.ts";
import { writeFileAtomicNode } from "./_node_fs.ts";

declare const Deno: {
  readFile(path: string): Promise<Uint8Array>;
  remove(path: string): Promise<void>;
  stat(path: string): Promise<unknown>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  errors: { NotFound: new (...args: never[]) => Error };
};

/** File access through Deno's own APIs. */
export const denoPlatform: Platform = {
  name: "deno",
  readFile: (path) => Deno.readFile(path),
  writeFileAtomic: writeFileAtomicNode,
  async removeFile(path) {
    try {
      await Deno.remove(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  },
  async exists(path) {
    try {
      await Deno.stat(path);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  },
  mkdirp: (path) => Deno.mkdir(path, { recursive: true }),
};
