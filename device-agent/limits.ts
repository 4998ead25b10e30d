/**
 * Admission control: a bounded queue for runs ({@link RunLimiter}) so many concurrent clients cannot
 * exhaust memory, and one exclusive job (bench or eval) per model ({@link JobLocks}).
 * @module
 */
import { AgentError } from "./agent_error.ts";

/** Releases what was acquired; safe to call twice. */
export type Release = () => void;

/** Admits `maxActive` holders at once and queues at most `maxQueued` more; beyond that, `overloaded`. */
export class RunLimiter {
  readonly #maxActive: number;
  readonly #maxQueued: number;
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(maxActive: number, maxQueued: number) {
    if (!(maxActive >= 1) || !(maxQueued >= 0)) {
      throw new RangeError(`RunLimiter needs maxActive ≥ 1 and maxQueued ≥ 0, got ${maxActive}, ${maxQueued}`);
    }
    this.#maxActive = maxActive;
    this.#maxQueued = maxQueued;
  }

  /** Holders now running. */
  get active(): number {
    return this.#active;
  }

  /** Holders waiting. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Waits for a slot. Throws `AgentError("overloaded")` (503, Retry-After) when the queue is full. */
  async acquire(): Promise<Release> {
    if (this.#active >= this.#maxActive) {
      if (this.#queue.length >= this.#maxQueued) {
        throw new AgentError(
          "overloaded",
          `The agent is busy: ${this.#active} runs active, ${this.#queue.length} queued`,
          {
            retryAfter: 1,
          },
        );
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.#active--;
    };
  }
}

/** One bench or eval at a time per model. */
export class JobLocks {
  readonly #held = new Map<string, { kind: string; since: number; fraction: number }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /**
   * Takes the model's lock or throws `AgentError("busy")` (429) with a Retry-After estimated from the
   * running job's progress (elapsed × remaining / done), between 1 s and 1 h.
   */
  acquire(id: string, kind: string): Release {
    const held = this.#held.get(id);
    if (held) {
      const elapsed = (this.#now() - held.since) / 1000;
      const estimate = held.fraction > 0 ? (elapsed * (1 - held.fraction)) / held.fraction : elapsed;
      throw new AgentError("busy", `A ${held.kind} job is already running on model ${id}; retry later`, {
        retryAfter: Math.min(3600, Math.max(1, Math.ceil(estimate))),
      });
    }
    const mine = { kind, since: this.#now(), fraction: 0 };
    this.#held.set(id, mine);
    return () => {
      if (this.#held.get(id) === mine) this.#held.delete(id);
    };
  }

  /** Records how far the model's job has got (0..1), for the Retry-After estimate. */
  progress(id: string, fraction: number): void {
    const held = this.#held.get(id);
    if (held) held.fraction = Math.min(1, Math.max(0, fraction));
  }

  /** Models with a job running. */
  busy(): string[] {
    return [...this.#held.keys()];
  }
}
