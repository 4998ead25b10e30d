// The git-ignored cache of generated data sets (tests/data/cache/): one directory per data set, named
// after the set and a hash of the spec that made it, written to a temporary directory and renamed into
// place only when complete, so an interrupted run never leaves half a data set behind.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** Where generated data sets live. */
export const DATA_CACHE_DIR: string = new URL("./cache/", import.meta.url).pathname;

/** FNV-1a 32-bit hash of a string, as 8 hex digits (cache keys, not security). */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * A fingerprint of the generator sources in this folder (`files`, by name), to put in a spec so that
 * changing a generator regenerates its data instead of reading a stale cache.
 */
export function sourceHash(files: readonly string[]): string {
  return fnv1a(files.map((f) => readFileSync(new URL(`./${f}`, import.meta.url), "utf8")).join("\0"));
}

/** The cache directory of a data set made from `spec` (any JSON value). */
export function cacheDirOf(name: string, spec: unknown): string {
  return `${DATA_CACHE_DIR}${name}-${fnv1a(JSON.stringify(spec))}/`;
}

/**
 * Returns the directory of a cached data set, generating it first when missing: `write(dir)` fills a
 * fresh temporary directory, which is then renamed to the final one.
 */
export function cached(name: string, spec: unknown, write: (dir: string) => void): string {
  const dir = cacheDirOf(name, spec);
  if (existsSync(`${dir}manifest.json`)) return dir;
  const tmp = `${dir.slice(0, -1)}.tmp-${process.pid}/`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    write(tmp);
    if (!existsSync(`${tmp}manifest.json`)) throw new Error(`Data set "${name}" wrote no manifest.json`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Cannot generate data set "${name}" in ${dir}`, { cause: error });
  }
  return dir;
}

/** Reads a JSON file of a cached data set. */
export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Writes a JSON file (pretty, so a person can read the manifest). */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}
