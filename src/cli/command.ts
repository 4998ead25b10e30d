/**
 * The shape of one CLI command (`info`, `convert`, `run`): its name, help text and body.
 * @module
 */
import type { CliIO } from "./cli_io.ts";

/** One `bitloop <command>`. */
export interface Command {
  /** The word after `bitloop`. */
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Full `--help` text: usage line, description, options. */
  help: string;
  /** Runs the command on its arguments (everything after the command word). Throws on failure. */
  run(args: string[], io: CliIO): Promise<void>;
}
