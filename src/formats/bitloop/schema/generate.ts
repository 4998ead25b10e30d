/**
 * Regenerates the TypeScript for `bitloop.fbs` into `generated/` with `flatc` (Debian
 * `flatbuffers-compiler` 2.0.8), then rewrites the generated relative imports to carry the `.ts`
 * extension, which Deno requires and flatc 2.0.8 leaves out (`from '../../bitloop/fb/tensor'`).
 * Run with `bun run gen:bitloop` (or `deno run -A src/formats/bitloop/schema/generate.ts`) and commit
 * the result. A dev script: it uses `node:` modules, which Deno and Bun both provide.
 *
 * @example
 * ```sh
 * bun src/formats/bitloop/schema/generate.ts   # prints the files it wrote
 * ```
 * @module
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const SCHEMA = join(HERE, "bitloop.fbs");
const OUT = join(HERE, "generated");
const FLATC = process.env["FLATC"] ?? "flatc";

/** Adds `.ts` to every relative import/export specifier that lacks an extension. */
export function addTsExtensions(source: string): string {
  return source.replace(
    /(\bfrom\s+)(['"])(\.{1,2}\/[^'"]+?)\2/g,
    (_m, from: string, quote: string, spec: string) =>
      `${from}${quote}${spec.endsWith(".ts") ? spec : `${spec}.ts`}${quote}`,
  );
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function main(): void {
  const version = execFileSync(FLATC, ["--version"], { encoding: "utf8" }).trim();
  if (!version.includes("2.0.8")) console.warn(`warning: expected flatc 2.0.8, found "${version}"`);
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(FLATC, ["--ts", "-o", OUT, SCHEMA], { stdio: "inherit" });
  for (const file of listFiles(OUT).filter((f) => f.endsWith(".ts")).sort()) {
    writeFileSync(file, addTsExtensions(readFileSync(file, "utf8")));
    console.log(file.slice(HERE.length));
  }
}

if (import.meta.main) main();
