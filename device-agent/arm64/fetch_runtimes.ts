/**
 * Fetches the arm64 (aarch64, glibc) builds of Deno and Bun from npm into `device-agent/.cache/arm64/`
 * (git-ignored), so the agent can run under `qemu-aarch64-static` on an x86 host (DESIGN.md §3).
 * Versions and sha512 integrities are taken from package-lock.json, i.e. the same releases as the host's
 * `deno` and `bun`; npm will not install another CPU's package, so they are fetched with `npm pack`,
 * checked, and untarred.
 *
 *   bun device-agent/arm64/fetch_runtimes.ts
 * @module
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import process from "node:process";

/** The cache directory. */
export const ARM64_CACHE: string = new URL("../.cache/arm64/", import.meta.url).pathname;

const ROOT = new URL("../../", import.meta.url).pathname;

/** The npm package holding each runtime's arm64 binary, and the binary's path in the tarball. */
export const ARM64_PACKAGES = {
  deno: { pkg: "@deno/linux-arm64-glibc", bin: "package/deno" },
  bun: { pkg: "@oven/bun-linux-aarch64", bin: "package/bin/bun" },
} as const;

/** A runtime with an arm64 build. */
export type Arm64Runtime = keyof typeof ARM64_PACKAGES;

/** Version and sha512 integrity of a package as package-lock.json pins it. */
export function lockedPackage(pkg: string): { version: string; integrity: string } {
  const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, "utf8")) as {
    packages: Record<string, { version?: string; integrity?: string }>;
  };
  const entry = lock.packages[`node_modules/${pkg}`];
  if (!entry?.version || !entry.integrity) throw new Error(`package-lock.json does not pin ${pkg}; run npm install`);
  return { version: entry.version, integrity: entry.integrity };
}

/** Where the arm64 binary of `runtime` lives once fetched. */
export function arm64Binary(runtime: Arm64Runtime): string {
  const { pkg, bin } = ARM64_PACKAGES[runtime];
  return `${ARM64_CACHE}${runtime}-${lockedPackage(pkg).version}/${bin}`;
}

/** Fetches (if needed) and returns the path of the arm64 binary of `runtime`. */
export function fetchArm64Runtime(runtime: Arm64Runtime): string {
  const binary = arm64Binary(runtime);
  if (existsSync(binary)) return binary;
  const { pkg } = ARM64_PACKAGES[runtime];
  const { version, integrity } = lockedPackage(pkg);
  const dir = binary.slice(0, binary.indexOf("/package/") + 1);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const name = execFileSync("npm", ["pack", `${pkg}@${version}`, "--pack-destination", dir, "--silent"], {
    encoding: "utf8",
  }).trim().split("\n").pop()!;
  const tarball = `${dir}${name}`;
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== integrity) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${pkg}@${version}: tarball integrity ${digest} differs from package-lock.json's ${integrity}`);
  }
  execFileSync("tar", ["xzf", tarball, "-C", dir]);
  rmSync(tarball);
  chmodSync(binary, 0o755);
  return binary;
}

/** The command line that runs `binary args` under qemu-user emulating `cpu`, and its environment. */
export function qemuCommand(binary: string, args: readonly string[], cpu = "max"): {
  command: string;
  args: string[];
  env: Record<string, string>;
} {
  return {
    command: "qemu-aarch64-static",
    args: [binary, ...args],
    env: { QEMU_LD_PREFIX: "/usr/aarch64-linux-gnu", QEMU_CPU: cpu },
  };
}

if (import.meta.main) {
  for (const runtime of Object.keys(ARM64_PACKAGES) as Arm64Runtime[]) {
    console.log(`${runtime}: ${fetchArm64Runtime(runtime)}`);
  }
  const sysroot = existsSync("/usr/aarch64-linux-gnu/lib/libc.so.6");
  let qemu = false;
  try {
    execFileSync("qemu-aarch64-static", ["--version"], { stdio: "ignore" });
    qemu = true;
  } catch {
    // Reported below.
  }
  if (!qemu || !sysroot) {
    console.error(
      "The arm64 tests also need qemu-user and an arm64 glibc: " +
        "apt-get install -y --no-install-recommends qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross",
    );
    process.exit(1);
  }
}
