/**
 * {@link Ffi} on `Deno.dlopen` (needs `--allow-ffi`).
 * @module
 */
import type { Ffi, FfiArgument, FfiSymbol, NativeLibrary } from "./ffi.ts";

interface DenoFfiApi {
  build: { os: string; arch: string };
  dlopen(
    path: string,
    symbols: Record<string, { parameters: string[]; result: string }>,
  ): { symbols: Record<string, (...args: FfiArgument[]) => number>; close(): void };
}

const ARCH: Readonly<Record<string, string>> = { aarch64: "arm64", x86_64: "x64" };
const OS: Readonly<Record<string, string>> = { windows: "win32" };

/**
 * Deno's FFI.
 *
 * @example
 * ```ts
 * if ("Deno" in globalThis && denoFfi().runtime !== "deno") throw new Error("runtime");
 * ```
 */
export function denoFfi(): Ffi {
  const deno = (globalThis as unknown as { Deno: DenoFfiApi }).Deno;
  return {
    runtime: "deno",
    os: OS[deno.build.os] ?? deno.build.os,
    arch: ARCH[deno.build.arch] ?? deno.build.arch,
    open(path: string, symbols: Readonly<Record<string, FfiSymbol>>): Promise<NativeLibrary> {
      const spec: Record<string, { parameters: string[]; result: string }> = {};
      for (const [name, s] of Object.entries(symbols)) spec[name] = { parameters: [...s.parameters], result: "i32" };
      const lib = deno.dlopen(path, spec);
      return Promise.resolve({
        call(name: string, args: readonly FfiArgument[]): number {
          const fn = lib.symbols[name];
          if (fn === undefined) throw new TypeError(`${path}: no symbol ${name} was opened`);
          return fn(...args);
        },
        close: () => lib.close(),
      });
    },
  };
}
