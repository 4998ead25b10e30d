/**
 * The peak resident set size of this process over a window (e.g. the timed runs of a benchmark). On
 * Linux it reads the kernel's own high-water mark, `VmHWM` in /proc/self/status, which the kernel
 * raises on every page fault, so a short allocation inside a run is not missed; the window starts by
 * writing `5` to /proc/self/clear_refs (Linux ≥ 4.0), which resets the mark to the current RSS.
 * Elsewhere (or when /proc cannot be read or written) it falls back to sampling
 * `process.memoryUsage().rss` whenever {@link PeakRss.sample} is called, and says so in `source`.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";

const STATUS = "/proc/self/status";
const CLEAR_REFS = "/proc/self/clear_refs";

/** The kernel's high-water mark of this process's RSS (`VmHWM`), or undefined where /proc cannot be read. */
export function kernelPeakBytes(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(STATUS, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetKernelPeak(): boolean {
  try {
    writeFileSync(CLEAR_REFS, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * A peak-RSS window that starts when constructed (or at {@link PeakRss.reset}).
 *
 * @example
 * ```ts
 * const peak = new PeakRss();
 * const garbage = new Float64Array(1 << 20).fill(1); // 8 MiB touched inside the window
 * peak.sample();
 * if (peak.bytes < garbage.byteLength) throw new Error("the window's peak includes the array");
 * ```
 */
export class PeakRss {
  /** `"VmHWM"`: the kernel's high-water mark since the window started; `"sampled"`: the largest sample. */
  readonly source: "VmHWM" | "sampled";
  #sampled = 0;

  constructor() {
    this.source = kernelPeakBytes() !== undefined && resetKernelPeak() ? "VmHWM" : "sampled";
    this.#sampled = process.memoryUsage().rss;
  }

  /** Starts a new window at the current RSS. */
  reset(): void {
    if (this.source === "VmHWM") resetKernelPeak();
    this.#sampled = process.memoryUsage().rss;
  }

  /** Records the current RSS (needed only for the `"sampled"` source; harmless otherwise). */
  sample(): void {
    this.#sampled = Math.max(this.#sampled, process.memoryUsage().rss);
  }

  /** The peak RSS of the window so far, in bytes. */
  get bytes(): number {
    const kernel = this.source === "VmHWM" ? kernelPeakBytes() : undefined;
    return Math.max(kernel ?? 0, this.#sampled);
  }
}
