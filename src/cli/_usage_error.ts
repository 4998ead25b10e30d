// The CLI's own user-error type: bad flags, missing arguments, unreadable paths. Exit code 2.

/** A mistake in how the CLI was called, reported as one line without a stack trace. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UsageError";
  }
}

interface ParseArgsError {
  code?: string;
  message: string;
}

/**
 * Runs a `node:util` `parseArgs` call for `command` and turns its errors into {@link UsageError}s that
 * name the option and point at `--help`.
 */
export function parseOrUsage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const e = error as ParseArgsError;
    if (typeof e?.code !== "string" || !e.code.startsWith("ERR_PARSE_ARGS")) throw error;
    const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? "";
    const help = `see "bitloop${command ? ` ${command}` : ""} --help"`;
    const where = command ? ` for "${command}"` : "";
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new UsageError(`Unknown option ${quoted}${where}; ${help}`, { cause: error });
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new UsageError(`Unexpected argument "${quoted}"${where}; ${help}`, { cause: error });
      default:
        throw new UsageError(`${e.message.replace(/\.$/, "")}; ${help}`, { cause: error });
    }
  }
}
