/**
 * {@link Ffi} on `bun:ffi`, imported lazily so Deno never resolves it.
 * @module
 */
import process from "node:process";
import type { Ffi, FfiArgument, FfiSymbol, NativeLibrary } from "./ffi.ts";

interface BunFfiModule {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: FfiArgument[]) => number>; close(): void };
}

// A variable specifier keeps type checkers and Deno's loader from resolving `bun:ffi`.
const BUN_FFI = "bun:ffi";

/**
 * Bun's FFI (Node has none: opening a library rejects there).
 *
 * @example
 * ```ts
 * const ffi = bunFfi();
 * if (ffi.arch.length === 0) throw new Error("arch");
 * ```
 */
export function bunFfi(): Ffi {
  return {
    runtime: "bun",
    os: process.platform,
    arch: process.arch,
    async open(path: string, symbols: Readonly<Record<string, FfiSymbol>>): Promise<NativeLibrary> {
      if (!("Bun" in globalThis)) throw new TypeError(`Cannot open ${path}: this runtime has no FFI (not Deno or Bun)`);
      const ffi = (await import(BUN_FFI)) as BunFfiModule;
      const spec: Record<string, { args: string[]; returns: string }> = {};
      for (const [name, s] of Object.entries(symbols)) {
        spec[name] = { args: s.parameters.map((p) => (p === "i32" ? "i32" : "ptr")), returns: "i32" };
      }
      const lib = ffi.dlopen(path, spec);
      return {
        call(name: string, args: readonly FfiArgument[]): number {
          const fn = lib.symbols[name];
          if (fn === undefined) throw new TypeError(`${path}: no symbol ${name} was opened`);
          return fn(...args);
        },
        close: () => lib.close(),
      };
    },
  };
}
