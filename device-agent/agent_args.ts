/**
 * The agent's command line, shared by `device-agent/main.ts` and `bitloop agent`:
 * `--port 8080 --host 127.0.0.1 --store DIR --token-file FILE [--tls-cert FILE --tls-key FILE]`.
 * @module
 */
import { parseArgs } from "node:util";
import type { RunAgentOptions } from "./run_agent.ts";

/** Help text of the agent command. */
export const AGENT_HELP = `Usage: bitloop agent --store DIR [options]
       deno run -A device-agent/main.ts --store DIR [options]
       bun device-agent/main.ts --store DIR [options]

Serves the device agent: receives models over HTTP, runs them, streams latency and accuracy.

Options:
  --store DIR            model store directory (created if missing; required)
  --port N               TCP port, 0 for any free one (default 8080)
  --host ADDR            address to bind (default 127.0.0.1; others need --token-file)
  --token-file FILE      file holding the bearer token every request but /v1/health must send
  --tls-cert FILE        PEM certificate: serve HTTPS (with --tls-key)
  --tls-key FILE         PEM private key
  --max-upload-mb N      largest model or sidecar upload (default 1024)
  --job-timeout-s N      hard time limit of one infer, bench or eval, and of loading a model: the
                         model's worker is stopped and the request fails with job_timeout (default 600)
  --max-models N         models loaded at once, one worker each (default 4)
  --max-rss-mb N         stop running models when the agent's memory passes this (default 80 % of RAM)
  --verify-store         re-hash stored models at start and drop corrupt ones
  -h, --help             show this help`;

/** Parsed arguments: run options, or a request for help. */
export type AgentArgs = { help: true } | { help: false; options: RunAgentOptions };

/**
 * Parses the agent's arguments. Throws `TypeError` with a one-line message for unknown flags, missing
 * `--store` or bad numbers.
 *
 * @example
 * ```ts
 * const parsed = parseAgentArgs(["--store", "/tmp/s", "--port", "0"]);
 * if (parsed.help || parsed.options.port !== 0) throw new Error("port 0");
 * ```
 */
export function parseAgentArgs(args: readonly string[]): AgentArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        store: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "token-file": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "max-upload-mb": { type: "string" },
        "job-timeout-s": { type: "string" },
        "max-models": { type: "string" },
        "max-rss-mb": { type: "string" },
        "verify-store": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (cause) {
    throw new TypeError((cause as Error).message, { cause });
  }
  if (values.help) return { help: true };
  if (values.store === undefined) throw new TypeError("Missing --store DIR");
  const number = (flag: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(n >= min)) {
      throw new TypeError(`--${flag} must be a number ≥ ${min}, got "${text}"`);
    }
    return n;
  };
  const options: RunAgentOptions = { storeDir: values.store };
  const port = number("port", values.port, 0);
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;
  if (values["token-file"] !== undefined) options.tokenFile = values["token-file"];
  if (values["tls-cert"] !== undefined) options.tlsCert = values["tls-cert"];
  if (values["tls-key"] !== undefined) options.tlsKey = values["tls-key"];
  const mb = number("max-upload-mb", values["max-upload-mb"], 1);
  if (mb !== undefined) options.maxUploadBytes = Math.floor(mb * 1024 * 1024);
  const timeout = number("job-timeout-s", values["job-timeout-s"], 1);
  if (timeout !== undefined) options.jobTimeoutMs = timeout * 1000;
  const models = number("max-models", values["max-models"], 1);
  if (models !== undefined) options.maxLoadedModels = Math.floor(models);
  const rss = number("max-rss-mb", values["max-rss-mb"], 16);
  if (rss !== undefined) options.maxRssBytes = Math.floor(rss * 1024 * 1024);
  if (values["verify-store"]) options.verifyStore = true;
  return { help: false, options };
}
