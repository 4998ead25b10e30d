/**
 * Where the CLI writes: one function per stream, so tests can capture output without spawning.
 * @module
 */
import process from "node:process";

/** The CLI's output streams. Each call writes one line (a trailing newline is added). */
export interface CliIO {
  /** Results: tables, JSON. */
  stdout(line: string): void;
  /** Diagnostics: errors, progress. */
  stderr(line: string): void;
  /**
   * Rewrites a one-line progress display on stderr (`""` clears it). Present only when stderr is a
   * terminal, so pipes, files and tests never receive progress output.
   */
  progress?(text: string): void;
}

/** The process's own stdout and stderr (with a progress line when stderr is a terminal). */
export const consoleIO: CliIO = {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  ...(process.stderr?.isTTY
    ? { progress: (text: string) => void process.stderr.write(text ? `\r${text}\x1b[K` : "\r\x1b[K") }
    : {}),
};
