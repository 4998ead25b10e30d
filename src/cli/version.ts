/**
 * The bitloop version, as printed by `bitloop --version` (kept equal to package.json and deno.json by a test).
 * @module
 */

/** The package version. */
export const VERSION = "0.1.0";
