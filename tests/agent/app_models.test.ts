import { afterAll, describe, expect, test } from "bun:test";
import { readdir, writeFile } from "node:fs/promises";
import { createApp } from "../../device-agent/app.ts";
import { ModelStore } from "../../device-agent/store.ts";
import { sha256Hex } from "../../src/client/device_client.ts";
import { auth, makeApp, removeDir, tinyModel, TOKEN, upload } from "./_fixture.ts";

const { app, dir } = await makeApp(); // uploads limited to 1 MiB
afterAll(() => removeDir(dir));

const model = tinyModel();
const id = await sha256Hex(model);
const put = (path: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
  app.request(path, { method: "PUT", body, headers: auth(headers) });
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const storeFiles = async () => ({ models: (await readdir(`${dir}/models`)).sort(), tmp: await readdir(`${dir}/tmp`) });

/** A body stream of `n` bytes in 64 KiB chunks, with no Content-Length. */
function streamOf(n: number, fill = 7): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= n) return c.close();
      const chunk = new Uint8Array(Math.min(65536, n - sent)).fill(fill);
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
}

describe("uploads", () => {
  test("PUT stores a model under its sha256 (201), again is 200, and it is listed", async () => {
    const first = await put(`/v1/models/${id}`, model);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id, kind: "model", bytes: model.length, sha256: id, created: true });
    const again = await put(`/v1/models/${id}`, model);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false });
    const list = await (await app.request("/v1/models", { headers: auth() })).json() as { models: { id: string }[] };
    expect(list.models).toEqual([
      expect.objectContaining({ id, bytes: model.length, weightBytes: null, format: "onnx", loaded: false }),
    ]);
    const one = await app.request(`/v1/models/${id}`, { headers: auth() });
    expect(await one.json()).toMatchObject({ id, bytes: model.length });
    expect(await storeFiles()).toEqual({ models: [`${id}.model`], tmp: [] });
  });

  test("a body that lies about its hash is 422 hash_mismatch and leaves nothing", async () => {
    const other = "0".repeat(64);
    const res = await put(`/v1/models/${other}`, model);
    expect(res.status).toBe(422);
    expect(await errorCode(res)).toBe("hash_mismatch");
    expect((await storeFiles()).models).not.toContain(`${other}.model`);
    expect((await storeFiles()).tmp).toEqual([]);
  });

  test("an upload over the limit is 413 with nothing left on disk, declared or streamed", async () => {
    const big = new Uint8Array((1 << 20) + 1);
    const bigId = await sha256Hex(big);
    const declared = await put(`/v1/models/${bigId}`, big);
    expect(declared.status).toBe(413);
    expect(await errorCode(declared)).toBe("payload_too_large");
    const streamed = await put(`/v1/models/${bigId}`, streamOf(3 << 20));
    expect(streamed.status).toBe(413);
    expect(await storeFiles()).toEqual({ models: [`${id}.model`], tmp: [] });
  });

  test("an X-Content-Sha256 that disagrees with the id is 400", async () => {
    const res = await put(`/v1/models/${id}`, model, { "X-Content-Sha256": "1".repeat(64) });
    expect(res.status).toBe(400);
  });
});

describe("ids and paths", () => {
  const odd = [
    "A".repeat(64),
    "a".repeat(63),
    "a".repeat(65),
    "g".repeat(64),
    "..%2f..%2fetc%2fpasswd",
    "..%2F" + "a".repeat(60),
    "a".repeat(63) + "%00",
    "..%5c..%5cwindows",
    `${id}.model`,
  ];
  for (const bad of odd) {
    test(`id ${JSON.stringify(bad)} is 400 invalid_id on every model route`, async () => {
      const requests: [string, string][] = [
        ["GET", `/v1/models/${bad}`],
        ["PUT", `/v1/models/${bad}`],
        ["DELETE", `/v1/models/${bad}`],
        ["PUT", `/v1/models/${bad}/weight`],
        ["POST", `/v1/models/${bad}/infer`],
        ["POST", `/v1/models/${bad}/bench`],
        ["POST", `/v1/models/${bad}/eval`],
      ];
      for (const [method, path] of requests) {
        const res = await app.request(path, {
          method,
          headers: auth({ "X-Content-Sha256": id }),
          body: method === "GET" || method === "DELETE" ? null : "x",
        });
        expect([method, path, res.status]).toEqual([method, path, 400]);
        expect(await errorCode(res)).toBe("invalid_id");
      }
    });
  }

  test("a traversal that the URL parser collapses (../, %2e%2e/) never reaches a model route", async () => {
    for (const path of ["/v1/models/../../etc/passwd", "/v1/models/%2e%2e/%2e%2e/etc/passwd", "/v1/models/%2e%2e"]) {
      const res = await app.request(path, { headers: auth() });
      expect([path, res.status]).toEqual([path, 404]);
    }
  });
});

describe("sidecars, deletes and restarts", () => {
  const weight = new Uint8Array([1, 2, 3, 4, 5]);

  test("a .weight upload needs its sha256 header, its model, and a matching body", async () => {
    const wsha = await sha256Hex(weight);
    expect((await put(`/v1/models/${id}/weight`, weight)).status).toBe(400);
    const orphan = await put(`/v1/models/${"b".repeat(64)}/weight`, weight, { "X-Content-Sha256": wsha });
    expect(orphan.status).toBe(404);
    expect(await errorCode(orphan)).toBe("model_not_found");
    const lie = await put(`/v1/models/${id}/weight`, weight, { "X-Content-Sha256": "c".repeat(64) });
    expect(lie.status).toBe(422);
    const ok = await put(`/v1/models/${id}/weight`, weight, { "X-Content-Sha256": wsha });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ kind: "weight", bytes: 5, sha256: wsha });
    expect((await put(`/v1/models/${id}/weight`, weight, { "X-Content-Sha256": wsha })).status).toBe(200);
    const entry = await (await app.request(`/v1/models/${id}`, { headers: auth() })).json();
    expect(entry).toMatchObject({ weightBytes: 5 });
  });

  test("models survive a restart; temp files and orphan sidecars are swept", async () => {
    await writeFile(`${dir}/tmp/leftover.part`, "partial");
    await writeFile(`${dir}/models/${"d".repeat(64)}.weight`, "orphan");
    const reopened = createApp({ store: await ModelStore.open(dir), token: TOKEN });
    const list = await (await reopened.request("/v1/models", { headers: auth() })).json() as {
      models: { id: string }[];
    };
    expect(list.models.map((m) => m.id)).toEqual([id]);
    expect(await storeFiles()).toEqual({ models: [`${id}.model`, `${id}.weight`].sort(), tmp: [] });
  });

  test("DELETE removes the model and its sidecar; a second DELETE and a GET are 404", async () => {
    const res = await app.request(`/v1/models/${id}`, { method: "DELETE", headers: auth() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, deleted: true });
    expect((await app.request(`/v1/models/${id}`, { method: "DELETE", headers: auth() })).status).toBe(404);
    const gone = await app.request(`/v1/models/${id}`, { headers: auth() });
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe("model_not_found");
    expect(await storeFiles()).toEqual({ models: [], tmp: [] });
  });

  test("a store opened with verify drops a file whose bytes no longer match its id", async () => {
    const okId = await upload(app, model);
    const badId = "e".repeat(64);
    await writeFile(`${dir}/models/${badId}.model`, "corrupt");
    const store = await ModelStore.open(dir, { verify: true });
    expect((await store.list()).map((m) => m.id)).toEqual([okId]);
  });
});
