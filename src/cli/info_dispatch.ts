/**
 * The kernel dispatch table as `info` and `bench` print it: every row (native i8mm, native dotprod, wasm
 * relaxed, wasm SIMD128, wasm scalar) with whether it serves here, and why not when it does not.
 * @module
 */
import { type DispatchRow, dispatchRows, loadKernels } from "../kernels/dispatch.ts";
import { table } from "./_text.ts";

/**
 * The table for the best kernels this engine and CPU load (what a `low` memory session uses).
 *
 * @example
 * ```ts
 * const rows = await bestDispatch();
 * if (rows.at(-1)?.name !== "wasm-scalar") throw new Error("the scalar row is last");
 * ```
 */
export async function bestDispatch(): Promise<DispatchRow[]> {
  const kernels = await loadKernels().catch(() => undefined);
  return dispatchRows(kernels);
}

/**
 * Text lines of the table: one row per backend, `chosen` / `declined` / `unused` and the reason.
 *
 * @example
 * ```ts
 * const lines = dispatchText([{ name: "wasm-scalar", requires: "WebAssembly", status: "chosen" }]);
 * if (!lines[1]!.includes("wasm-scalar") || !lines[1]!.includes("chosen")) throw new Error(lines.join("\n"));
 * ```
 */
export function dispatchText(rows: readonly DispatchRow[]): string[] {
  const body = rows.map((r) => [r.name, r.status, r.reason ?? `has ${r.requires}`]);
  return ["kernel dispatch:", ...table(body).map((l) => `  ${l}`)];
}
