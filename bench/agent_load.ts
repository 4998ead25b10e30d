/**
 * Load on the device agent: N concurrent clients issue infer on loopback for S seconds against a real
 * agent process (Deno or Bun); reports requests, failures, throughput, latency percentiles, the
 * latency of `GET /v1/health` probed every 100 ms meanwhile (how responsive the agent stays), and the
 * agent's RSS sampled from /proc every 250 ms. Not a test (STYLE.md rule 18).
 *
 *   bun bench/agent_load.ts [--runtime deno|bun] [--model tiny|ppocr_cls] [--clients 50] [--seconds 20]
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DeviceClient, DeviceError } from "../src/client/mod.ts";
import { Tensor } from "../src/graph/tensor.ts";
import { zooPath } from "../tests/zoo/zoo.ts";
import { startAgent, tokenFile } from "../tests/agent/_agent_process.ts";
import { removeDir, tempDir, tinyModel } from "../tests/agent/_fixture.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "bun" },
    model: { type: "string", default: "ppocr_cls" },
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
  },
});
const runtime = values.runtime === "deno" ? "deno" : "bun";
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const TOKEN = "load-token";

const [model, feeds] = values.model === "tiny"
  ? [tinyModel(), { x: new Tensor("float32", new Float32Array([1, 2, 3, 4]), [1, 4]) }]
  : [
    new Uint8Array(await readFile(zooPath("ppocr_cls"))),
    { x: new Tensor("float32", new Float32Array(3 * 48 * 192).fill(0.25), [1, 3, 48, 192]) },
  ];

const dir = await tempDir("bitloop-load-");
const agent = await startAgent(runtime, ["--store", `${dir}/store`, "--token-file", await tokenFile(dir, TOKEN)]);
const pid = agent.child.pid!;
const rssNow = async (): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
};
const setup = new DeviceClient(agent.url, { token: TOKEN });
const { id } = await setup.push(model);
await setup.infer(id, feeds); // load the session before timing
const rssStart = await rssNow();

const rss: number[] = [];
const end = performance.now() + seconds * 1000;
const sampler = setInterval(() => rssNow().then((v) => rss.push(v), () => {}), 250);
const latencies: number[] = [];
const failures: string[] = [];
const healthMs: number[] = [];
const prober = (async () => {
  while (performance.now() < end) {
    const t0 = performance.now();
    await setup.health().then(() => healthMs.push(performance.now() - t0), () => failures.push("health"));
    await new Promise((r) => setTimeout(r, 100));
  }
})();
let retried503 = 0;
await Promise.all(Array.from({ length: clients }, async () => {
  const client = new DeviceClient(agent.url, {
    token: TOKEN,
    retries: 5,
    backoffMs: 50,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      fetch(input, init).then((res) => {
        if (res.status === 503) retried503++;
        return res;
      })) as typeof fetch,
  });
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      await client.infer(id, feeds);
      latencies.push(performance.now() - t0);
    } catch (error) {
      failures.push(error instanceof DeviceError ? error.code : String(error));
    }
  }
}));
await prober;
clearInterval(sampler);
const health = await setup.health().then(() => "ok", (e) => String(e));
agent.child.kill("SIGTERM");
await agent.exited;
await removeDir(dir);

const pctOf = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
};
const pct = pctOf(latencies);
const healthPct = pctOf(healthMs);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(JSON.stringify({
  runtime,
  model: values.model,
  clients,
  seconds,
  requests: latencies.length + failures.length,
  failed: failures.length,
  failureCodes: [...new Set(failures)],
  answered503ThenRetried: retried503,
  throughputPerS: +(latencies.length / seconds).toFixed(1),
  latencyMs: {
    p50: +pct(0.5).toFixed(1),
    p90: +pct(0.9).toFixed(1),
    p99: +pct(0.99).toFixed(1),
    max: +pct(1).toFixed(1),
  },
  healthMs: {
    probes: healthMs.length,
    p50: +healthPct(0.5).toFixed(1),
    p99: +healthPct(0.99).toFixed(1),
    max: +healthPct(1).toFixed(1),
  },
  agentRssMiB: { afterLoad: mb(rssStart), peak: mb(Math.max(...rss)), last: mb(rss.at(-1) ?? NaN) },
  healthAfter: health,
}));
