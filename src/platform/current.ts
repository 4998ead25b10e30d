/**
 * Picks the {@link Platform} of the runtime this code runs on.
 * @module
 */
import { bunPlatform } from "./bun.ts";
import { denoPlatform } from "./deno.ts";
import type { Platform } from "./platform.ts";

/** The platform of the running runtime (Deno, else Bun/Node). */
export function currentPlatform(): Platform {
  return "Deno" in globalThis ? denoPlatform : bunPlatform;
}
