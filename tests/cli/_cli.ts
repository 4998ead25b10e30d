// Spawns the real `bitloop` CLI (mod.ts) under the Deno and Bun binaries from node_modules.
import { spawn } from "node:child_process";

/** The repository root. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/** The runtimes the CLI must work on. */
export type Runtime = "deno" | "bun";

/** Both runtimes, Deno first. */
export const RUNTIMES: readonly Runtime[] = ["deno", "bun"];

/** What one CLI run produced. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command line that runs `bitloop <args>` under `runtime`. */
export function cliCommand(runtime: Runtime, args: readonly string[]): [string, string[]] {
  return runtime === "deno"
    ? [`${ROOT}node_modules/.bin/deno`, ["run", "-A", `${ROOT}mod.ts`, ...args]]
    : [`${ROOT}node_modules/.bin/bun`, [`${ROOT}mod.ts`, ...args]];
}

// At most this many CLI processes run at once, so suites stay quick on a busy machine.
const MAX_RUNNING = 6;
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `bitloop <args>` under `runtime` in `cwd` (the repository root by default) and collects its output. */
export async function cli(runtime: Runtime, args: readonly string[], cwd: string = ROOT): Promise<CliResult> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await spawnCli(runtime, args, cwd);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function spawnCli(runtime: Runtime, args: readonly string[], cwd: string): Promise<CliResult> {
  const [command, argv] = cliCommand(runtime, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI with the same arguments under Deno and Bun concurrently. */
export async function cliBoth(args: readonly string[], cwd?: string): Promise<Record<Runtime, CliResult>> {
  const [deno, bun] = await Promise.all(RUNTIMES.map((r) => cli(r, args, cwd)));
  return { deno: deno!, bun: bun! };
}

/** Runs the CLI in this process (no spawn) with captured output; same exit codes and lines as the binaries. */
export async function cliInProcess(args: readonly string[]): Promise<CliResult> {
  const { main } = await import("../../src/cli/main.ts");
  const stdout: string[] = [], stderr: string[] = [];
  const code = await main(args, { stdout: (l) => stdout.push(`${l}\n`), stderr: (l) => stderr.push(`${l}\n`) });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** Generous time for a suite's setup that spawns CLI processes (a guard against hangs, not an assertion). */
export const SPAWN_SETUP_TIMEOUT_MS = 120_000;
