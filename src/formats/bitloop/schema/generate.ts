/**
 * Regenerates the TypeScript for a FlatBuffers schema into `generated/` beside it with `flatc` (Debian
 * `flatbuffers-compiler` 2.0.8), then rewrites the generated relative imports to carry the `.ts`
 * extension, which Deno requires and flatc 2.0.8 leaves out (`from '../../bitloop/fb/tensor'`).
 * With no arguments it regenerates `bitloop.fbs`; given schema paths, those (`bun run gen:mnn` passes
 * `src/formats/mnn/schema/mnn.fbs`). Run with `bun run gen:bitloop` (or
 * `deno run -A src/formats/bitloop/schema/generate.ts`) and commit the result. A dev script: it uses
 * `node:` modules, which Deno and Bun both provide.
 *
 * @example
 * ```sh
 * bun src/formats/bitloop/schema/generate.ts                                 # bitloop.fbs
 * bun src/formats/bitloop/schema/generate.ts src/formats/mnn/schema/mnn.fbs  # prints the files it wrote
 * ```
 * @module
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const DEFAULT_SCHEMA = join(HERE, "bitloop.fbs");
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

/**
 * Regenerates `schema`'s TypeScript into `generated/` beside it (replacing what was there) and returns
 * the files written. `--no-warnings` quiets flatc's naming advice (MNN's schema keeps camelCase names).
 */
export function generateTypeScript(schema: string): string[] {
  const out = join(dirname(schema), "generated");
  rmSync(out, { recursive: true, force: true });
  execFileSync(FLATC, ["--ts", "--no-warnings", "-o", out, schema], { stdio: "inherit" });
  const files = listFiles(out).filter((f) => f.endsWith(".ts")).sort();
  for (const file of files) writeFileSync(file, addTsExtensions(readFileSync(file, "utf8")));
  return files;
}

function main(): void {
  const version = execFileSync(FLATC, ["--version"], { encoding: "utf8" }).trim();
  if (!version.includes("2.0.8")) console.warn(`warning: expected flatc 2.0.8, found "${version}"`);
  const schemas = process.argv.slice(2).map((p) => resolve(p));
  for (const schema of schemas.length > 0 ? schemas : [DEFAULT_SCHEMA]) {
    for (const file of generateTypeScript(schema)) console.log(file.slice(dirname(schema).length + 1));
  }
}

if (import.meta.main) main();
