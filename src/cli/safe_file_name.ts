/**
 * Turns tensor names (which may hold `/`, `:`, spaces, `..`) into file names that stay inside the
 * output directory and mean the same on every file system.
 * @module
 */

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const MAX_LENGTH = 200;

/**
 * A safe file name (without extension) for `name`: characters outside `A-Z a-z 0-9 . _ -` become `_`,
 * a leading dot becomes `_` (no hidden files, no `..`), Windows device names get a `_` prefix, and the
 * result is at most 200 characters and never empty.
 *
 * @example
 * ```ts
 * if (safeFileName("save_infer_model/scale_0.tmp_1") !== "save_infer_model_scale_0.tmp_1") throw new Error();
 * ```
 */
export function safeFileName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\./, "_").slice(0, MAX_LENGTH);
  if (s === "") s = "output";
  return RESERVED.test(s) ? `_${s}` : s;
}

/**
 * Safe file names for several tensor names, distinct even on case-insensitive file systems: later
 * clashes get `_2`, `_3`, ... appended.
 */
export function safeFileNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const base = safeFileName(name);
    let candidate = base;
    for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base}_${i}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
