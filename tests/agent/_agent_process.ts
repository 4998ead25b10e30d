// Starts the real agent (device-agent/main.ts) under Deno or Bun from node_modules, on 127.0.0.1 with
// a free port, and reads the URL it prints.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { qemuCommand } from "../../device-agent/arm64/fetch_runtimes.ts";

/** The repository root. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/** The runtimes the agent must work on. */
export type Runtime = "deno" | "bun";

/** A running agent process. */
export interface AgentProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output: () => string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  exited: Promise<number | string | null>;
}

/** The command that runs the agent under `runtime`. */
export function agentCommand(runtime: Runtime, args: readonly string[]): [string, string[]] {
  const main = `${ROOT}device-agent/main.ts`;
  return runtime === "deno"
    ? [`${ROOT}node_modules/.bin/deno`, ["run", "-A", main, ...args]]
    : [`${ROOT}node_modules/.bin/bun`, [main, ...args]];
}

/** Writes a token file in `dir` and returns its path. */
export async function tokenFile(dir: string, token: string): Promise<string> {
  const path = `${dir}/token`;
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return path;
}

/** How to start the agent: natively (default) or as an arm64 binary under qemu-user. */
export interface StartOptions {
  /** Run this arm64 build of the runtime under `qemu-aarch64-static`. */
  arm64Binary?: string;
  /** The CPU qemu emulates. @default "max" */
  cpu?: string;
}

/** Starts the agent and waits for its "listening on" line. */
export function startAgent(
  runtime: Runtime,
  args: readonly string[],
  options: StartOptions = {},
): Promise<AgentProcess> {
  let [command, argv] = agentCommand(runtime, ["--host", "127.0.0.1", "--port", "0", ...args]);
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  if (options.arm64Binary) {
    const qemu = qemuCommand(options.arm64Binary, argv, options.cpu);
    [command, argv] = [qemu.command, qemu.args];
    Object.assign(env, qemu.env);
  }
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal))
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = /listening on (\S+)/.exec(text);
      if (match) resolve({ url: match[1]!, child, output: () => text, exited });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    exited.then((code) => reject(new Error(`agent (${runtime}) exited with ${code} before listening:\n${text}`)));
  });
}
