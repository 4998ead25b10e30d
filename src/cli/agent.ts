/**
 * `bitloop agent --store DIR [--port N] [--host ADDR] [--token-file FILE] [--tls-cert F --tls-key F] ...`:
 * serves the device agent on this board (device-agent/: `parseAgentArgs`, `runAgent`), prints
 * `bitloop agent listening on <url> (<runtime>)` on stdout once serving, and returns after SIGINT or
 * SIGTERM has shut it down gracefully. The agent's modules are loaded only when the command runs, so
 * the other commands do not pay for the HTTP server.
 * @module
 */
import { AGENT_HELP } from "../../device-agent/agent_args.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { UsageError } from "./_usage_error.ts";

/** The `agent` command. */
export const agentCommand: Command = {
  name: "agent",
  summary: "serve the device agent on this board: receive models, run, bench and eval them",
  help: AGENT_HELP,
  run,
};

async function run(args: string[], io: CliIO): Promise<void> {
  const { closeOnSignal, parseAgentArgs, runAgent } = await import("../../device-agent/mod.ts");
  let parsed;
  try {
    parsed = parseAgentArgs(args.filter((a) => a !== "--debug")); // --debug is the CLI's, handled by main
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see "bitloop agent --help"`, { cause: error });
  }
  if (parsed.help) {
    io.stdout(AGENT_HELP);
    return;
  }
  let agent;
  try {
    agent = await runAgent(parsed.options);
  } catch (error) {
    // A refused bind, a half TLS setup or a bad port is the user's to fix; file errors main reports itself.
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message, { cause: error });
    }
    throw error;
  }
  io.stdout(`bitloop agent listening on ${agent.url} (${agent.runtime})`);
  await closeOnSignal(agent, io.stderr);
}
