// TLS: with --tls-cert and --tls-key the agent serves HTTPS under Deno and Bun.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { DeviceClient } from "../../src/client/mod.ts";
import { startAgent, tokenFile } from "./_agent_process.ts";
import { removeDir, tempDir } from "./_fixture.ts";

const TOKEN = "tls-token-91";
let dir = "";
let ca = "";
beforeAll(async () => {
  dir = await tempDir("bitloop-tls-");
  // A throw-away self-signed certificate for 127.0.0.1.
  execFileSync("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "1", "-subj", "/CN=127.0.0.1"],
    ...["-addext", "subjectAltName=IP:127.0.0.1"],
  ], { stdio: "ignore" });
  ca = await readFile(`${dir}/cert.pem`, "utf8");
});
afterAll(() => removeDir(dir));

for (const runtime of ["deno", "bun"] as const) {
  test(`under ${runtime} the agent serves HTTPS with the given certificate, and still wants the token`, async () => {
    const agent = await startAgent(runtime, [
      ...["--store", `${dir}/store-${runtime}`, "--token-file", await tokenFile(dir, TOKEN)],
      ...["--tls-cert", `${dir}/cert.pem`, "--tls-key", `${dir}/key.pem`],
    ]);
    try {
      expect(agent.url).toStartWith("https://127.0.0.1:");
      // Bun's fetch takes the CA to trust per request.
      const trusting = ((input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, tls: { ca } } as RequestInit)) as typeof fetch;
      const device = new DeviceClient(agent.url, { token: TOKEN, fetch: trusting });
      expect((await device.info()).runtime.name).toBe(runtime);
      const anonymous = await fetch(`${agent.url}/v1/models`, { tls: { ca } } as RequestInit);
      expect(anonymous.status).toBe(401);
      const untrusted = await fetch(`${agent.url}/v1/health`).then(() =>
        "trusted", () => "rejected");
      expect(untrusted).toBe("rejected");
    } finally {
      agent.child.kill("SIGKILL");
    }
  });
}

test("a certificate without a key is refused at start", async () => {
  const started = await startAgent("bun", ["--store", `${dir}/store-x`, "--tls-cert", `${dir}/cert.pem`]).catch((
    e: Error,
  ) => e.message);
  expect(String(started)).toContain("TLS needs both --tls-cert and --tls-key");
});
