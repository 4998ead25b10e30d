/**
 * The store routes: list, describe, upload (model and `.weight` sidecar), delete.
 * @module
 */
import type { Context, Hono } from "hono";
import type { ModelEntry, UploadResponse } from "../src/client/protocol.ts";
import { AgentError } from "./agent_error.ts";
import type { AgentState } from "./agent_options.ts";
import { contentLength } from "./request_body.ts";
import { checkId, ID_PATTERN, type StoredKind } from "./store.ts";

/** The header carrying an upload's sha256 (required for sidecars, optional for models). */
export const SHA256_HEADER = "X-Content-Sha256";

/** Adds the store routes to `app`. */
export function addModelRoutes(app: Hono, state: AgentState): void {
  const { store, models: pool } = state;
  const entry = async (id: string): Promise<ModelEntry | undefined> => {
    const stored = await store.get(id);
    return stored && { ...stored, loaded: pool.loaded().includes(id) };
  };

  app.get("/v1/models", async (c) => {
    const loaded = new Set(pool.loaded());
    const models = (await store.list()).map((m) => ({ ...m, loaded: loaded.has(m.id) }));
    return c.json({ models });
  });

  app.get("/v1/models/:id", async (c) => {
    const id = checkId(c.req.param("id"));
    const found = await entry(id);
    if (!found) throw new AgentError("model_not_found", `No model ${id} is stored`);
    return c.json(found);
  });

  const upload = (kind: StoredKind) => async (c: Context): Promise<Response> => {
    const id = checkId(c.req.param("id") ?? "");
    const declared = c.req.header(SHA256_HEADER)?.toLowerCase();
    if (declared !== undefined && !ID_PATTERN.test(declared)) {
      throw new AgentError("bad_request", `${SHA256_HEADER} must be 64 lowercase hex digits`);
    }
    if (kind === "model" && declared !== undefined && declared !== id) {
      throw new AgentError("bad_request", `${SHA256_HEADER} ${declared} differs from the model id ${id}`);
    }
    if (kind === "weight" && declared === undefined) {
      throw new AgentError("bad_request", `A .weight upload needs its sha256 in the ${SHA256_HEADER} header`);
    }
    const length = contentLength(c.req.raw);
    const result = await store.put(id, kind, c.req.raw.body, {
      ...(declared === undefined ? {} : { sha256: declared }),
      ...(length === undefined ? {} : { contentLength: length }),
    });
    if (kind === "weight" && result.created) pool.evict(id);
    const body: UploadResponse = { id, kind, ...result };
    return c.json(body, result.created ? 201 : 200);
  };
  app.put("/v1/models/:id", upload("model"));
  app.put("/v1/models/:id/weight", upload("weight"));

  app.delete("/v1/models/:id", async (c) => {
    const id = checkId(c.req.param("id"));
    pool.evict(id);
    if (!(await store.delete(id))) throw new AgentError("model_not_found", `No model ${id} is stored`);
    return c.json({ id, deleted: true });
  });
}
