// Every op the registry claims has a test against onnxruntime: its name must appear in a test under tests/ops/.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OPS } from "../../src/runtime/registry.ts";

function testSources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((
      e,
    ) => (e.isDirectory()
      ? testSources(join(dir, e.name))
      : e.name.endsWith(".ts")
      ? readFileSync(join(dir, e.name), "utf8")
      : "")
    )
    .join("\n");
}

test("every registered op is exercised by a test in tests/ops/", () => {
  const sources = testSources(new URL(".", import.meta.url).pathname);
  const untested = [...OPS.keys()].filter((op) => !sources.includes(`"${op}"`));
  expect(untested).toEqual([]);
});
