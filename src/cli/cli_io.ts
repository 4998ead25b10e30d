/**
 * Where the CLI writes: one function per stream, so tests can capture output without spawning.
 * @module
 */

/** The CLI's output streams. Each call writes one line (a trailing newline is added). */
export interface CliIO {
  /** Results: tables, JSON. */
  stdout(line: string): void;
  /** Diagnostics: errors, progress. */
  stderr(line: string): void;
}

/** The process's own stdout and stderr. */
export const consoleIO: CliIO = {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
};
