/**
 * The bitloop device agent: a Hono app ({@link createApp}) that stores models by sha256, runs them, and
 * streams latency and accuracy; {@link runAgent} serves it on Deno or Bun.
 *
 * @example
 * ```ts
 * import { runAgent } from "./mod.ts";
 * const agent = await runAgent({ storeDir: "/var/lib/bitloop", port: 8080, tokenFile: "/etc/bitloop/token" });
 * console.log(agent.url);
 * ```
 * @module
 */
export * from "./agent_args.ts";
export * from "./agent_error.ts";
export * from "./app.ts";
export * from "./main.ts";
export * from "./run_agent.ts";
export * from "./store.ts";
