// The native aarch64 int8 GEMM under qemu-aarch64-static, in arm64 Deno and Bun, on three emulated CPUs:
// each picks the expected dispatch-table row and matches qd8F32QcwGemmRef exactly (cortex-a53 must fall
// back to wasm without SIGILL), and the native layout holds 4-bit codes in half a byte, 2-bit in a quarter. Runs with `npm run test:arm64` (which fetches the runtimes); skipped otherwise.
import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { arm64Binary, qemuCommand } from "../../device-agent/arm64/fetch_runtimes.ts";

const enabled = process.env.BITLOOP_ARM64 === "1";
const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = "tests/kernels/_native_gemm_check.ts";

// The row each emulated CPU must get for the int8 GEMM (DESIGN.md §3), and the kernel suffix.
const CPUS = {
  "max": { backend: "native-i8mm", suffix: "-2x4c8-i8mm" },
  "cortex-a76": { backend: "native-dotprod", suffix: "-1x4c4-dotprod" },
  "cortex-a53": { backend: undefined, suffix: "-relaxed" },
} as const;

interface Report {
  backends: string[];
  declined: Array<{ name: string; reason: string }>;
  ran: string[];
  cases: number;
  mismatches: string[];
  packed: Record<string, { codes: number; bytes: number }>;
}

function runCheck(runtime: "deno" | "bun", cpu: string): Promise<{ code: number | null; out: string; err: string }> {
  const binary = arm64Binary(runtime);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run bun device-agent/arm64/fetch_runtimes.ts`);
  const args = runtime === "deno" ? ["run", "-A", SCRIPT] : [SCRIPT];
  const q = qemuCommand(binary, args, cpu);
  return new Promise((resolve, reject) => {
    const child = spawn(q.command, q.args, { cwd: ROOT, env: { ...process.env, ...q.env, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

const RUNTIMES = ["deno", "bun"] as const;
// Emulation is slow (about a minute each): start all six at once, each test awaits its own.
const runs = new Map<string, ReturnType<typeof runCheck>>();
function run(runtime: "deno" | "bun", cpu: string): ReturnType<typeof runCheck> {
  const key = `${runtime}/${cpu}`;
  if (!runs.has(key)) {
    for (const r of RUNTIMES) for (const c of Object.keys(CPUS)) runs.set(`${r}/${c}`, runCheck(r, c));
  }
  return runs.get(key)!;
}

describe.skipIf(!enabled)("native aarch64 qd8-f32-qcXw GEMM under qemu", () => {
  for (const runtime of RUNTIMES) {
    for (const [cpu, want] of Object.entries(CPUS)) {
      test(
        `${runtime} on ${cpu} runs ${want.backend ?? "wasm (no native row accepts)"} and matches the reference exactly`,
        async () => {
          const { code, out, err } = await run(runtime, cpu);
          expect(code, `${runtime} on ${cpu} exited with ${code}: ${err.slice(-2000)}`).toBe(0);
          const report = JSON.parse(out.trim().split("\n").at(-1)!) as Report;
          console.log(`${runtime} on ${cpu}: ${report.backends.join(" + ")}; ran ${report.ran.join(", ")}`);
          expect(report.backends[0]).toBe(want.backend ?? "wasm-relaxed");
          expect(report.cases).toBeGreaterThanOrEqual(50);
          expect(report.mismatches).toEqual([]);
          // Native weight bytes per padded code: 1 at 8-bit, 1/2 at 4-bit, 1/4 at 2-bit.
          for (const bits of [8, 4, 2]) {
            const p = report.packed[bits];
            expect(p, `qc${bits}w packed sizes`).toBeDefined();
            expect(p!.bytes * 8).toBe(p!.codes * bits);
          }
          for (const bits of [8, 4, 2]) {
            const name = report.ran.find((n) => n.startsWith(`qd8-f32-qc${bits}w-gemm-`));
            expect(name, `qc${bits}w kernel`).toEndWith(want.suffix);
          }
          if (want.backend !== "native-i8mm") {
            expect(report.declined.find((d) => d.name === "native-i8mm")?.reason).toMatch(/lacks i8mm/);
          }
          if (want.backend === undefined) {
            expect(report.declined.find((d) => d.name === "native-dotprod")?.reason).toMatch(/lacks dotprod/);
          }
        },
        300_000,
      );
    }
  }
});
