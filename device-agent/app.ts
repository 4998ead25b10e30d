/**
 * The device agent as a Hono app: no socket, no runtime specifics, so tests drive it with
 * `app.request()` and `runAgent` serves it with `Deno.serve` or `Bun.serve`.
 *
 * Routes (DESIGN.md §7; `GET /v1/openapi.json` describes them): `GET /v1/health` (public),
 * `GET /v1/device`, `GET /v1/models`, `GET|PUT|DELETE /v1/models/{id}`, `PUT /v1/models/{id}/weight`,
 * `POST /v1/models/{id}/infer|bench|eval`. Every route but health requires the bearer token; every
 * error is `{ "error": { "code", "message" } }` from the one `onError` handler, 404 and 405 included.
 * Models run in a Web Worker each (`model_pool.ts`, `model_runner.ts`), so the event loop stays free for
 * health checks, uploads and streams while a model computes, and a run past its time limit is stopped.
 * @module
 */
import { type Context, Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { HealthResponse } from "../src/client/protocol.ts";
import { VERSION } from "../src/version.ts";
import { AgentError, errorReport } from "./agent_error.ts";
import { type AgentOptions, agentState } from "./agent_options.ts";
import { bearerAuth } from "./auth.ts";
import { deviceInfo } from "./device_info.ts";
import { addModelRoutes } from "./model_routes.ts";
import { openApiDocument } from "./openapi.ts";
import { addRunRoutes } from "./run_routes.ts";

export type { AgentOptions } from "./agent_options.ts";

/** The one path served without a token. */
export const PUBLIC_PATHS: readonly string[] = ["/v1/health"];

/**
 * Builds the agent app over an opened store.
 *
 * @example
 * ```ts
 * const store = await ModelStore.open(await Deno.makeTempDir());
 * const app = createApp({ store, token: "secret" });
 * const res = await app.request("/v1/models", { headers: { Authorization: "Bearer secret" } });
 * if (res.status !== 200) throw new Error("listed");
 * ```
 */
export function createApp(options: AgentOptions): Hono {
  const state = agentState(options);
  const app = new Hono();

  const reply = (c: Context, error: unknown): Response => {
    const report = errorReport(error);
    if (report.body.error.code === "internal") {
      state.log(`bitloop agent: ${c.req.method} ${c.req.path} failed: ${error instanceof Error ? error.stack : error}`);
    }
    return c.json(report.body, report.status as 400, report.headers);
  };
  app.onError((error, c) => reply(c, error));
  // Returned, not thrown: the 405 middleware below turns a 404 into a 405 only when no error was thrown.
  app.notFound((c) => reply(c, new AgentError("not_found", `No route for ${c.req.method} ${c.req.path}`)));

  let stopping = false;
  state.signal?.addEventListener("abort", () => {
    stopping = true;
    for (const job of state.jobs) job.abort(new AgentError("shutting_down", "The agent is shutting down"));
    state.models.closeWhenIdle();
  }, { once: true });
  app.use("*", async (_c, next) => {
    if (stopping) throw new AgentError("shutting_down", "The agent is shutting down", { retryAfter: 5 });
    await next();
  });
  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allow = methods.join(", ");
        const res = reply(
          c,
          new AgentError("method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allow}`),
        );
        res.headers.set("Allow", allow);
        return res;
      },
    }),
  );
  if (options.token !== undefined) app.use("/v1/*", bearerAuth(options.token, PUBLIC_PATHS));

  app.get("/v1/health", (c) => c.json({ status: "ok", version: VERSION } satisfies HealthResponse));
  app.get("/v1/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/v1/device", async (c) => {
    const stored = (await state.store.list()).length;
    return c.json(await deviceInfo({ stored, loaded: state.models.loaded() }));
  });
  addModelRoutes(app, state);
  addRunRoutes(app, state);
  return app;
}
