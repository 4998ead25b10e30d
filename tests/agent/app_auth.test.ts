import { afterAll, describe, expect, test } from "bun:test";
import { auth, makeApp, removeDir, TOKEN } from "./_fixture.ts";
import { openApiDocument } from "../../device-agent/openapi.ts";
import { timingSafeEqual, tokenMatches } from "../../device-agent/auth.ts";

const { app, dir } = await makeApp();
afterAll(() => removeDir(dir));

const ID = "a".repeat(64);
/** Every route the app declares, as [method, concrete path]. */
const routes = app.routes
  .filter((r) => r.method !== "ALL")
  .map((r) => [r.method, r.path.replace(":id", ID)] as const);

describe("authentication", () => {
  test("the app declares the routes of the issue", () => {
    expect(routes.length).toBe(11);
  });

  for (const [method, path] of routes.filter(([, p]) => p !== "/v1/health")) {
    test(`${method} ${path.replace(ID, "{id}")} answers 401 without a token, with a wrong one, or a wrong scheme`, async () => {
      for (
        const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: `Bearer ${TOKEN}x` }, {
          Authorization: `Basic ${TOKEN}`,
        }, { Authorization: "Bearer" }]
      ) {
        const res = await app.request(path, { method, headers });
        expect(res.status).toBe(401);
        expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
        const body = await res.json() as { error: { code: string; message: string } };
        expect(body.error.code).toBe("unauthorized");
      }
    });
  }

  test("GET /v1/health needs no token", async () => {
    const res = await app.request("/v1/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  test("the right token is accepted, with any case of the scheme", async () => {
    expect((await app.request("/v1/models", { headers: auth() })).status).toBe(200);
    expect((await app.request("/v1/models", { headers: { Authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });

  test("an unknown /v1 path without a token is 401, so routes are not revealed", async () => {
    expect((await app.request("/v1/secret")).status).toBe(401);
  });

  test("timingSafeEqual compares whole byte arrays and tokenMatches hashes first", async () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(await tokenMatches("abc", "abc")).toBe(true);
    expect(await tokenMatches("abc", "abcd")).toBe(false);
  });
});

describe("404, 405 and the OpenAPI document", () => {
  test("an unknown path is a JSON 404", async () => {
    const res = await app.request("/v1/nothing", { headers: auth() });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await app.request("/")).status).toBe(404);
  });

  test("a wrong method on a known path is a JSON 405 with Allow", async () => {
    const res = await app.request(`/v1/models/${ID}/infer`, { method: "GET", headers: auth() });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("POST");
    expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed" } });
    const health = await app.request("/v1/health", { method: "DELETE" });
    expect(health.status).toBe(405);
  });

  test("/v1/openapi.json lists exactly the app's routes and methods", async () => {
    const res = await app.request("/v1/openapi.json", { headers: auth() });
    expect(res.status).toBe(200);
    const doc = await res.json() as { paths: Record<string, Record<string, unknown>> };
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item).filter((k) => k !== "parameters").map((m) => `${m.toUpperCase()} ${path}`)
      )
      .sort();
    const served = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    expect(documented).toEqual(served);
  });
});
