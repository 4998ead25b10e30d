/**
 * What a bench or eval job needs from its surroundings: a clock, a deadline, a cancel signal, and a
 * way to let the event loop breathe between runs. Injected so tests can drive time deterministically.
 * The deadline is enforced twice: between runs by {@link checkpoint}, and during a run by the model's
 * worker being terminated once {@link remainingMs} have passed.
 * @module
 */
import process from "node:process";
import { AgentError } from "./agent_error.ts";

/** The environment of one job. */
export interface JobContext {
  /** Milliseconds, monotonic. */
  now: () => number;
  /** `now()` value after which the job fails with `job_timeout`. */
  deadline: number;
  /** Aborted when the client goes away or the agent shuts down. */
  signal: AbortSignal;
}

/** Throws when the job was cancelled or has run past its deadline; call it between runs. */
export function checkpoint(ctx: JobContext, what: string): void {
  if (ctx.signal.aborted) {
    const reason = ctx.signal.reason;
    throw reason instanceof AgentError
      ? reason
      : new AgentError("shutting_down", `The job was cancelled during ${what}`);
  }
  if (ctx.now() > ctx.deadline) {
    throw new AgentError("job_timeout", `The job ran past its time limit during ${what}`);
  }
}

/** Milliseconds left before the job's deadline (0 or less: past it). */
export function remainingMs(ctx: JobContext): number {
  return ctx.deadline - ctx.now();
}

/** Yields to the event loop so streamed lines go out and other requests are served. */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The agent process's resident set size now, in bytes. */
export function rssBytes(): number {
  return process.memoryUsage().rss;
}

/** A running sample of the process's peak RSS; {@link PeakRss.stop} ends the sampling. */
export interface PeakRss {
  /** Takes one sample now. */
  sample(): void;
  /** The largest RSS seen so far, in bytes. */
  peak(): number;
  /** Stops the timer (safe to call twice). */
  stop(): void;
}

/**
 * Samples the agent process's RSS now and every `intervalMs` until stopped. Model workers run inside the
 * process, so their memory is counted; a short allocation between two samples can be missed.
 */
export function watchPeakRss(intervalMs: number): PeakRss {
  let peak = rssBytes();
  const sample = (): void => {
    peak = Math.max(peak, rssBytes());
  };
  const timer = setInterval(sample, intervalMs);
  return { sample, peak: () => peak, stop: () => clearInterval(timer) };
}
