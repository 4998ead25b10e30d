/**
 * Serves the agent on a socket with the runtime's own server: `Deno.serve` on Deno, `Bun.serve` on Bun.
 * Binds loopback by default and refuses any other address without a token; TLS when a certificate and
 * key are given; {@link RunningAgent.close} shuts down gracefully (running jobs are told to stop, new
 * requests get 503, in-flight ones finish, then the socket closes).
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Hono } from "hono";
import type { AgentOptions } from "./agent_options.ts";
import { createApp } from "./app.ts";
import { ModelStore } from "./store.ts";

/** Options for {@link runAgent}. */
export interface RunAgentOptions extends Omit<AgentOptions, "store" | "signal" | "token"> {
  /** Directory of the model store (created if missing). */
  storeDir: string;
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** The bearer token. @default none (loopback only) */
  token?: string;
  /** File holding the bearer token (trimmed); used when `token` is not given. */
  tokenFile?: string;
  /** PEM certificate file; with `tlsKey` the agent serves HTTPS. */
  tlsCert?: string;
  /** PEM private key file. */
  tlsKey?: string;
  /** Largest model or sidecar upload in bytes. @default 1 GiB */
  maxUploadBytes?: number;
  /** Re-hash the store when starting and drop corrupt files. @default false */
  verifyStore?: boolean;
}

/** A serving agent. */
export interface RunningAgent {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The bound port. */
  port: number;
  /** The runtime serving it. */
  runtime: "deno" | "bun";
  /** Stops gracefully; resolves once the socket is closed. */
  close(): Promise<void>;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

interface DenoServer {
  addr: { port: number };
  shutdown(): Promise<void>;
}
interface DenoLike {
  serve(options: Record<string, unknown>, handler: (req: Request) => Response | Promise<Response>): DenoServer;
}
interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
interface BunLike {
  serve(options: Record<string, unknown>): BunServer;
}

/**
 * Opens the store and serves the agent. Throws `TypeError` for a non-loopback bind without a token or
 * a half TLS configuration, and `Error` when no supported runtime is found (Node: use Deno or Bun).
 *
 * @example
 * ```ts
 * const agent = await runAgent({ storeDir: "/tmp/store", port: 0 });
 * const res = await fetch(`${agent.url}/v1/health`);
 * await agent.close();
 * ```
 */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`Invalid port ${port}`);
  let token = options.token;
  if (token === undefined && options.tokenFile !== undefined) {
    token = (await readFile(options.tokenFile, "utf8")).trim();
    if (token === "") throw new TypeError(`The token file ${options.tokenFile} is empty`);
  }
  if (token === undefined && !isLoopback(host)) {
    throw new TypeError(`Refusing to bind ${host} without a token: pass --token-file, or bind 127.0.0.1`);
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new TypeError("TLS needs both --tls-cert and --tls-key");
  }
  const tls = options.tlsCert !== undefined && options.tlsKey !== undefined
    ? { cert: await readFile(options.tlsCert, "utf8"), key: await readFile(options.tlsKey, "utf8") }
    : undefined;
  const maxUploadBytes = options.maxUploadBytes ?? 1024 ** 3;
  const store = await ModelStore.open(options.storeDir, { maxUploadBytes, verify: options.verifyStore ?? false });
  const stop = new AbortController();
  const {
    storeDir: _d,
    port: _p,
    host: _h,
    token: _t,
    tokenFile: _f,
    tlsCert: _c,
    tlsKey: _k,
    verifyStore: _v,
    ...rest
  } = options;
  const app = createApp({ ...rest, store, signal: stop.signal, ...(token === undefined ? {} : { token }) });
  const scheme = tls ? "https" : "http";
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const g = globalThis as unknown as { Deno?: DenoLike; Bun?: BunLike };
  if (g.Deno) return serveDeno(g.Deno, app, { host, port, tls, scheme, urlHost, stop });
  if (g.Bun) return serveBun(g.Bun, app, { host, port, tls, scheme, urlHost, stop, maxUploadBytes });
  throw new Error("runAgent needs Deno or Bun (Deno.serve / Bun.serve)");
}

interface ServeParams {
  host: string;
  port: number;
  tls: { cert: string; key: string } | undefined;
  scheme: string;
  urlHost: string;
  stop: AbortController;
}

function serveDeno(deno: DenoLike, app: Hono, p: ServeParams): Promise<RunningAgent> {
  return new Promise((resolve) => {
    const server: DenoServer = deno.serve({
      hostname: p.host,
      port: p.port,
      ...(p.tls ?? {}),
      onListen: () => {}, // Deno's default prints a line; main.ts prints its own
    }, app.fetch);
    const port = server.addr.port;
    resolve({
      url: `${p.scheme}://${p.urlHost}:${port}`,
      port,
      runtime: "deno",
      close: () => closeDeno(server, p.stop),
    });
  });
}

async function closeDeno(server: DenoServer, stop: AbortController): Promise<void> {
  stop.abort();
  await withTimeout(server.shutdown(), 10_000);
}

function serveBun(bun: BunLike, app: Hono, p: ServeParams & { maxUploadBytes: number }): Promise<RunningAgent> {
  const server = bun.serve({
    hostname: p.host,
    port: p.port,
    fetch: app.fetch,
    // Bun's defaults (128 MiB bodies, 10 s idle) would cut big uploads and quiet bench streams.
    maxRequestBodySize: p.maxUploadBytes + 1024 * 1024,
    idleTimeout: 0,
    ...(p.tls ? { tls: p.tls } : {}),
  });
  const close = async (): Promise<void> => {
    p.stop.abort();
    const done = await withTimeout(server.stop(false), 10_000);
    if (!done) await server.stop(true);
  };
  return Promise.resolve({
    url: `${p.scheme}://${p.urlHost}:${server.port}`,
    port: server.port,
    runtime: "bun",
    close,
  });
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
