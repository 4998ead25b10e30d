/**
 * The `bitloop` command line: `info`, `convert`, `compress`, `validate`, `run`, plus `--help` and
 * `--version`. {@link main} returns the exit code instead of exiting, so it can be tested in-process;
 * `mod.ts` calls it when run as a program (Deno or Bun) and exits with that code.
 *
 * Errors: a user error (bad flag, missing or unreadable file, corrupt model, unsupported op, bad input)
 * prints one line `bitloop: <message>` on stderr and exits 2; anything else is an internal failure and
 * exits 1. `--debug` adds the stack trace, causes included.
 * @module
 */
import { parseArgs } from "node:util";
import { InputError, ModelFormatError, UnsupportedOpError } from "../errors.ts";
import { agentCommand } from "./agent.ts";
import { benchCommand } from "./bench.ts";
import { type CliIO, consoleIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { compressCommand } from "./compress.ts";
import { convertCommand } from "./convert.ts";
import { deviceCommand } from "./device.ts";
import { fileErrorReason } from "./_files.ts";
import { infoCommand } from "./info.ts";
import { runCommand } from "./run.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";
import { validateCommand } from "./validate.ts";
import { VERSION } from "./version.ts";

/** Exit code of a user error (bad arguments, unreadable or invalid files, bad inputs). */
export const EXIT_USAGE = 2;
/** Exit code of an internal failure (a bug or an unexpected runtime error). */
export const EXIT_INTERNAL = 1;

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  infoCommand,
  convertCommand,
  compressCommand,
  validateCommand,
  runCommand,
  agentCommand,
  deviceCommand,
  benchCommand,
];

/** The top-level `--help` text. */
export const HELP = `bitloop ${VERSION}: compress neural networks and run them on edge boards

Usage: bitloop <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join("\n")}

Options:
  -h, --help      show help (also after a command: bitloop info --help)
  -V, --version   print the version
  --debug         print stack traces on errors`;

/**
 * Runs the CLI on `args` (without the program name) and resolves to the exit code: 0 on success,
 * {@link EXIT_USAGE} for user errors, {@link EXIT_INTERNAL} for internal failures.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const code = await main(["--version"], { stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
 * if (code !== 0 || !lines[0]!.startsWith("bitloop")) throw new Error("version");
 * ```
 */
export async function main(args: readonly string[], io: CliIO = consoleIO): Promise<number> {
  // A lenient first pass finds the command word and --debug/--help wherever they are.
  const loose = parseArgs({ args: [...args], strict: false, allowPositionals: true, tokens: true });
  const debug = loose.values.debug === true;
  try {
    const at = loose.tokens.find((t) => t.kind === "positional")?.index ?? args.length;
    const global = parseOrUsage("", () =>
      parseArgs({
        args: args.slice(0, at),
        options: {
          help: { type: "boolean", short: "h" },
          version: { type: "boolean", short: "V" },
          debug: { type: "boolean" },
        },
      }));
    if (global.values.version) {
      io.stdout(`bitloop ${VERSION}`);
      return 0;
    }
    const name = args[at];
    if (global.values.help) {
      io.stdout(COMMANDS.find((c) => c.name === name)?.help ?? HELP);
      return 0;
    }
    if (name === undefined) {
      throw new UsageError(
        `Missing command; try ${COMMANDS.map((c) => `"bitloop ${c.name}"`).join(", ")} or "bitloop --help"`,
      );
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(`Unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
    }
    const wantsHelp = loose.tokens.some((t) =>
      t.kind === "option" && t.index > at && (t.name === "help" || t.name === "h")
    );
    if (wantsHelp) {
      io.stdout(command.help);
      return 0;
    }
    await command.run(args.slice(at + 1), io);
    return 0;
  } catch (error) {
    return report(error, debug, io);
  }
}

/** True for errors caused by what the user gave (arguments, files, models, inputs), not by bitloop. */
export function isUserError(error: unknown): boolean {
  return error instanceof UsageError || error instanceof ModelFormatError || error instanceof UnsupportedOpError ||
    error instanceof InputError || fileErrorReason(error) !== undefined;
}

function report(error: unknown, debug: boolean, io: CliIO): number {
  const user = isUserError(error);
  const message = oneLine(messageOf(error));
  const hint = user || debug ? "" : " (run with --debug for the stack trace)";
  io.stderr(`bitloop: ${message}${hint}`);
  if (debug) {
    for (let e: unknown = error, depth = 0; e !== undefined && depth < 8; depth++) {
      io.stderr(`${depth === 0 ? "" : "Caused by: "}${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      e = e instanceof Error ? e.cause : undefined;
    }
  }
  return user ? EXIT_USAGE : EXIT_INTERNAL;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const reason = fileErrorReason(error);
  if (reason !== undefined && !(error instanceof UsageError)) {
    const path = (error as { path?: unknown }).path ?? /'([^']*)'/.exec(error.message)?.[1];
    return typeof path === "string" ? `Cannot access "${path}": ${reason}` : `${error.message}`;
  }
  return error.message || error.name;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}

/** The program's arguments under Deno (`Deno.args`) or Bun/Node (`process.argv` after the script). */
export function processArgs(): string[] {
  const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  if (g.Deno) return [...g.Deno.args];
  return g.process?.argv.slice(2) ?? [];
}

/** Ends the process with `code` through the runtime (`Deno.exit` or `process.exit`). */
export function exit(code: number): never {
  const g = globalThis as { Deno?: { exit(code: number): never }; process?: { exit(code: number): never } };
  if (g.Deno) g.Deno.exit(code);
  if (g.process) g.process.exit(code);
  throw new Error(`Cannot exit with code ${code}: no Deno or process global`);
}
