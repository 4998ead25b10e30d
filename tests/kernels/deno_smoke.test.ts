import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("under Deno, every build Deno validates matches the references (quick run via node_modules/.bin/deno)", () => {
  const run = spawnSync(`${ROOT}node_modules/.bin/deno`, ["run", "--allow-read", "tests/kernels/_deno_smoke.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.stderr.includes("error") ? run.stderr : "").toBe("");
  const lines = run.stdout.trim().split("\n");
  expect(lines[0]).toContain('"relaxedSimd":true'); // Deno 2.9 runs relaxed SIMD (DESIGN.md §3)
  const results = lines.slice(1);
  expect(results.length).toBe(3);
  for (const line of results) expect(line).toMatch(/^ok /);
});
