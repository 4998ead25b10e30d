/**
 * The bitloop version, as printed by `bitloop --version` and reported by the device agent (kept equal to
 * package.json and deno.json by a test). It sits at the root of `src/` so every layer (CLI, device agent,
 * client) can read it without importing sideways.
 * @module
 */

/** The package version. */
export const VERSION = "0.1.0";
