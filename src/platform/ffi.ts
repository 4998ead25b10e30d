/**
 * The FFI part of the platform interface (STYLE.md rule 4): what the host is, and opening a C library
 * whose functions take `i32` scalars and TypedArray pointers and return `i32`. `Deno.dlopen` and
 * `bun:ffi` each implement it (deno_ffi.ts, bun_ffi.ts); {@link currentFfi} picks one.
 * @module
 */
import { bunFfi } from "./bun_ffi.ts";
import { denoFfi } from "./deno_ffi.ts";

/** A parameter type: a 32-bit integer, or a pointer passed as a TypedArray. */
export type FfiType = "i32" | "buffer";

/** One C function `int32_t f(...)`. */
export interface FfiSymbol {
  /** Parameter types in order. */
  parameters: readonly FfiType[];
}

/** An argument: a number for `i32`, a TypedArray for `buffer` (never empty: Bun rejects zero-length views). */
export type FfiArgument = number | ArrayBufferView;

/** An opened library. */
export interface NativeLibrary {
  /** Calls `name` (one of the symbols it was opened with) and returns its `i32` result. */
  call(name: string, args: readonly FfiArgument[]): number;
  /** Unloads the library. */
  close(): void;
}

/** FFI of one runtime. */
export interface Ffi {
  /** The runtime. */
  readonly runtime: "deno" | "bun";
  /** Operating system, Node style: `linux`, `darwin`, `win32`. */
  readonly os: string;
  /** CPU architecture, Node style: `arm64`, `x64`. */
  readonly arch: string;
  /** Opens the library at `path` with these symbols; throws (the runtime's error) when it cannot. */
  open(path: string, symbols: Readonly<Record<string, FfiSymbol>>): Promise<NativeLibrary>;
}

/**
 * The FFI of the running runtime (Deno, else Bun).
 *
 * @example
 * ```ts
 * const ffi = currentFfi();
 * if (!["deno", "bun"].includes(ffi.runtime)) throw new Error(ffi.runtime);
 * ```
 */
export function currentFfi(): Ffi {
  return "Deno" in globalThis ? denoFfi() : bunFfi();
}
