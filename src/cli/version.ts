/**
 * The bitloop version, re-exported from `src/version.ts` (its home) for code that imports it from here.
 * @module
 */
export { VERSION } from "../version.ts";
