/**
 * aarch64 CPU features from the ELF auxiliary vector (DESIGN.md §3), the one parser the kernels and the
 * device agent share. `/proc/self/auxv` is pairs of little-endian u64 (type, value) ended by type 0;
 * `AT_HWCAP` (16) bit 1 = asimd, bit 20 = asimddp (dotprod), bit 22 = sve; `AT_HWCAP2` (26) bit 13 =
 * i8mm. It is right under qemu-user too, where `/proc/cpuinfo` shows the host.
 * @module
 */
import { currentFfi } from "../platform/ffi.ts";
import { currentPlatform } from "../platform/current.ts";

const AT_HWCAP = 16n;
const AT_HWCAP2 = 26n;
const HWCAP_ASIMD = 1n << 1n;
const HWCAP_ASIMDDP = 1n << 20n;
const HWCAP_SVE = 1n << 22n;
const HWCAP2_I8MM = 1n << 13n;

/** The aarch64 features the kernels care about. */
export interface Aarch64Features {
  /** Advanced SIMD (NEON). */
  asimd: boolean;
  /** `sdot`/`udot` (FEAT_DotProd, HWCAP asimddp). */
  dotprod: boolean;
  /** `smmla` and friends (FEAT_I8MM, HWCAP2 i8mm). */
  i8mm: boolean;
  /** Scalable vectors. */
  sve: boolean;
}

/** The host as the native kernels see it. */
export interface NativeCpu extends Aarch64Features {
  /** Operating system, Node style (`linux`). */
  os: string;
  /** Architecture, Node style (`arm64`). */
  arch: string;
  /** Where the aarch64 features came from: `auxv`, or `none` (not Linux aarch64, or auxv unreadable). */
  source: "auxv" | "none";
}

/**
 * `AT_HWCAP` and `AT_HWCAP2` from an auxv image (little-endian u64 pairs, ended by type 0).
 *
 * @example
 * ```ts
 * const auxv = new BigUint64Array([16n, 1n << 20n, 26n, 1n << 13n, 0n, 0n]);
 * const { hwcap, hwcap2 } = parseAuxv(new Uint8Array(auxv.buffer));
 * if (hwcap !== 1n << 20n || hwcap2 !== 1n << 13n) throw new Error("auxv");
 * ```
 */
export function parseAuxv(bytes: Uint8Array): { hwcap: bigint; hwcap2: bigint } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hwcap = 0n;
  let hwcap2 = 0n;
  for (let at = 0; at + 16 <= bytes.length; at += 16) {
    const type = view.getBigUint64(at, true);
    const value = view.getBigUint64(at + 8, true);
    if (type === 0n) break;
    if (type === AT_HWCAP) hwcap = value;
    if (type === AT_HWCAP2) hwcap2 = value;
  }
  return { hwcap, hwcap2 };
}

/**
 * The aarch64 features of HWCAP words.
 *
 * @example
 * ```ts
 * if (!aarch64Features(1n << 20n, 0n).dotprod) throw new Error("bit 20 is asimddp");
 * ```
 */
export function aarch64Features(hwcap: bigint, hwcap2: bigint): Aarch64Features {
  return {
    asimd: (hwcap & HWCAP_ASIMD) !== 0n,
    dotprod: (hwcap & HWCAP_ASIMDDP) !== 0n,
    sve: (hwcap & HWCAP_SVE) !== 0n,
    i8mm: (hwcap2 & HWCAP2_I8MM) !== 0n,
  };
}

/** Options of {@link detectNativeCpu}. */
export interface DetectNativeCpuOptions {
  /** Reads the auxv image. @default the platform's readFile of `/proc/self/auxv` */
  readAuxv?: () => Promise<Uint8Array>;
}

/**
 * The host's OS, architecture and, on Linux aarch64, its features from `/proc/self/auxv` (all false
 * elsewhere or when auxv cannot be read).
 *
 * @example
 * ```ts
 * const cpu = await detectNativeCpu();
 * if (cpu.arch !== "arm64" && cpu.dotprod) throw new Error("dotprod is aarch64 only");
 * ```
 */
export async function detectNativeCpu(options: DetectNativeCpuOptions = {}): Promise<NativeCpu> {
  const { os, arch } = currentFfi();
  const none: NativeCpu = { os, arch, asimd: false, dotprod: false, i8mm: false, sve: false, source: "none" };
  if (os !== "linux" || arch !== "arm64") return none;
  try {
    const bytes = await (options.readAuxv ?? (() => currentPlatform().readFile("/proc/self/auxv")))();
    const { hwcap, hwcap2 } = parseAuxv(bytes);
    return { os, arch, ...aarch64Features(hwcap, hwcap2), source: "auxv" };
  } catch {
    return none;
  }
}
