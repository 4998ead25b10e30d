/**
 * The agent as a program: `deno run -A device-agent/main.ts --store DIR ...` or
 * `bun device-agent/main.ts --store DIR ...` (options: {@link AGENT_HELP}). Prints one line
 * `bitloop agent listening on <url>` once serving, and shuts down gracefully on SIGINT or SIGTERM.
 * @module
 */
import process from "node:process";
import { AGENT_HELP, parseAgentArgs } from "./agent_args.ts";
import { runAgent, type RunningAgent } from "./run_agent.ts";

/** Resolves once SIGINT or SIGTERM arrives and the agent has shut down. */
export function closeOnSignal(agent: RunningAgent, log: (line: string) => void = console.error): Promise<void> {
  return new Promise((resolve) => {
    let closing = false;
    const onSignal = (signal: string): void => {
      if (closing) return;
      closing = true;
      log(`bitloop agent: ${signal}, shutting down`);
      agent.close().then(resolve, resolve);
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
  });
}

/** Runs the agent program on `args`; resolves to the exit code. */
export async function agentMain(args: readonly string[]): Promise<number> {
  let agent: RunningAgent;
  try {
    const parsed = parseAgentArgs(args);
    if (parsed.help) {
      console.log(AGENT_HELP);
      return 0;
    }
    agent = await runAgent(parsed.options);
  } catch (error) {
    console.error(`bitloop agent: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  console.log(`bitloop agent listening on ${agent.url} (${agent.runtime})`);
  await closeOnSignal(agent);
  return 0;
}

if (import.meta.main) process.exit(await agentMain(process.argv.slice(2)));
