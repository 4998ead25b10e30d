/**
 * The error a kernel call raises when its export returns a non-zero status.
 * @module
 */
import { KERNEL_STATUS_MESSAGES, KernelStatus } from "./status.ts";

const NAMES = new Map<number, string>(Object.entries(KernelStatus).map(([name, code]) => [code, name]));

/**
 * A kernel rejected its arguments. Carries the kernel name and the status code from the Rust enum.
 *
 * @example
 * ```ts
 * const e = new KernelError("f32-gemm-4x8-relaxed", 2, "m=0, n=4, k=4");
 * if (e.statusName !== "BadShape" || !e.message.includes("m=0")) throw new Error("message");
 * ```
 */
export class KernelError extends Error {
  /** The kernel name, e.g. `qd8-f32-qc4w-gemm-4x8c4-relaxed`. */
  readonly kernel: string;
  /** The numeric status. */
  readonly status: number;
  /** The status's Rust name, e.g. `BadShape`. */
  readonly statusName: string;

  constructor(kernel: string, status: number, context: string, options?: { cause?: unknown }) {
    const name = NAMES.get(status) ?? "Unknown";
    const what = KERNEL_STATUS_MESSAGES[status] ?? "unknown status code";
    super(`Kernel "${kernel}" failed with ${name} (${status}): ${what} [${context}]`, options);
    this.name = "KernelError";
    this.kernel = kernel;
    this.status = status;
    this.statusName = name;
  }
}
