/**
 * `GET /v1/device`: what this board is and can run: architecture, runtime, CPU features, cores,
 * memory, kernel families, models.
 * @module
 */
import os from "node:os";
import process from "node:process";
import type { CpuFeatures, DeviceInfo } from "../src/client/protocol.ts";
import { VERSION } from "../src/version.ts";
import { detectCpuFeatures } from "./cpu_features.ts";
import { REFERENCE_KERNEL } from "./kernels_of.ts";

/** The runtime serving the agent and its version. */
export function runtimeInfo(): DeviceInfo["runtime"] {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun) return { name: "bun", version: versions.bun };
  if (versions.deno) return { name: "deno", version: versions.deno };
  return { name: "node", version: versions.node ?? "unknown" };
}

/**
 * Kernel families usable with these features, best first, in the dispatch order of STYLE.md rule 14
 * (only those this build of the runtime has; the reference kernels always are).
 */
export function availableKernels(_features: CpuFeatures): string[] {
  return [REFERENCE_KERNEL];
}

/** Everything {@link DeviceInfo} holds except the model list, which the app adds. */
export async function deviceInfo(models: DeviceInfo["models"]): Promise<DeviceInfo> {
  const arch = process.arch;
  const { features, source } = await detectCpuFeatures(arch);
  return {
    version: VERSION,
    arch,
    os: process.platform,
    runtime: runtimeInfo(),
    cpu: { cores: os.cpus().length || navigator.hardwareConcurrency || 1, features, featureSource: source },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem(), agentRssBytes: process.memoryUsage().rss },
    kernels: availableKernels(features),
    models,
  };
}
