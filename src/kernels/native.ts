/**
 * The native aarch64 int8 GEMM (`kernels/native/dist/libbitloop_native_arm64.so`), loaded through the
 * platform FFI (`Deno.dlopen` / `bun:ffi`). One library holds every variant — `i8mm` (`smmla`, tile
 * 2x4c8), `dotprod` (`sdot`, 1x4c4) — each compiled with its own target attribute, so the library loads
 * on any aarch64; the dispatch table calls a variant only when `/proc/self/auxv` says the CPU has it.
 *
 * Weights are repacked for it by {@link packNativeQcw}: `kp·bits/8` bytes per column (kp = k rounded up
 * to 8) — 8-bit codes as signed bytes `u - 128`, 4-bit and 2-bit codes kept packed two and four to a
 * byte, unsigned, in 32- and 8-code groups the NEON loops unpack with a mask and a shift (layout:
 * kernels/native/README.md) — plus per column and block the sum of the stored codes, from which the
 * kernel restores `Σ(qa - za)·u` exactly (see kernels/native/qd8_f32_qcw_gemm.c). The float epilogue
 * runs in C with the reference's float32 steps; the activation runs here, by the reference.
 * @module
 */
import { currentFfi, type FfiSymbol, type NativeLibrary } from "../platform/ffi.ts";
import type { Activation } from "./activation.ts";
import { KernelError } from "./kernel_error.ts";
import { applyActivationRef } from "./ref/activation_ref.ts";
import { qcwBlockLength, qcwBlocks, qcwOffsets, type QcwWeights } from "./ref/qd8_f32_qcw_gemm_ref.ts";
import type { QuantizedRows } from "./ref/quantize_rows_ref.ts";

/** The native variants, best first. */
export type NativeVariant = "i8mm" | "dotprod";

/** Register tile of each variant, as it appears in kernel names. */
export const NATIVE_TILES: Readonly<Record<NativeVariant, string>> = { i8mm: "2x4c8", dotprod: "1x4c4" };

/** The export ABI these bindings expect (`bl_native_abi_version()`). */
export const NATIVE_ABI_VERSION = 2;

/** Longest block (k when per channel) the int32 arithmetic is exact for: 255·255·len < 2^31. */
export const NATIVE_MAX_BLOCK = 32768;

const GEMM: FfiSymbol = {
  parameters: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", ...Array<"buffer">(10).fill("buffer")],
};
const SYMBOLS: Readonly<Record<string, FfiSymbol>> = {
  bl_native_abi_version: { parameters: [] },
  bl_native_qd8_f32_qcw_gemm_scalar: GEMM,
  bl_native_qd8_f32_qcw_gemm_dotprod: GEMM,
  bl_native_qd8_f32_qcw_gemm_i8mm: GEMM,
};

/** Where the committed library lives. */
export function nativeLibraryUrl(): URL {
  return new URL("../../kernels/native/dist/libbitloop_native_arm64.so", import.meta.url);
}

/** Quantized weights in the native layout (plain TypedArrays, passed to each call). */
export interface NativeQcw {
  /** Output columns. */
  n: number;
  /** Reduction length. */
  k: number;
  /** k rounded up to 8. */
  kp: number;
  /** Bit width. */
  bits: 2 | 4 | 8;
  /** Block length along k (kp when per channel). */
  blockLength: number;
  /** Blocks per column. */
  blocks: number;
  /**
   * The codes in the native layout, `n` columns of `kp·bits/8` bytes: 8-bit as signed bytes `u - 128`;
   * 2- and 4-bit unsigned and packed (see {@link nativeQcwBytes}).
   */
  codes: Uint8Array;
  /** Σ of the stored codes (8-bit: `u - 128`; 2/4-bit: `u`) per column and block, `[n][blocks]`. */
  codeSum: Int32Array;
  /** Scales, `[n][blocks]`. */
  scales: Float32Array;
  /** Offsets, `[n][blocks]`. */
  offsets: Float32Array;
  /** Bias (`n`, zeros when absent). */
  bias: Float32Array;
}

/**
 * Bytes the native layout holds for `n × k` codes of `bits` bits: `n·ceil8(k)·bits/8` (4-bit: half a byte
 * per code, 2-bit: a quarter; only the ≤ 7 codes of k's padding to 8 are extra).
 *
 * @example
 * ```ts
 * if (nativeQcwBytes(96, 100, 4) !== 96 * 52) throw new Error("bytes");
 * ```
 */
export function nativeQcwBytes(n: number, k: number, bits: 2 | 4 | 8): number {
  return n * Math.ceil(k / 8) * bits;
}

/**
 * Repacks plain weights for the native kernels. Inside each block (the last one ending at kp) the codes
 * form groups of 32, then groups of 8; a group of G codes starting at position p takes the `B = G·bits/8`
 * bytes from byte `p·bits/8` of its column, code i of it in byte `i % B` at bit `⌊i / B⌋·bits`. So a
 * 32-group of 4-bit codes is 16 bytes with codes 0..15 in the low nibbles and 16..31 in the high ones.
 * Throws a RangeError when `codes` has the wrong length or a code does not fit `bits`.
 *
 * @example
 * ```ts
 * const p = packNativeQcw({ n: 1, k: 3, bits: 4, codes: new Uint8Array([9, 10, 15]), scales: new Float32Array([1]) });
 * // one 8-group of 4 bytes: byte i holds codes i (low nibble) and 4 + i (high nibble; padding 0)
 * if (p.kp !== 8 || p.codes.length !== 4 || p.codes[0] !== 9 || p.codes[2] !== 15 || p.codeSum[0] !== 34) {
 *   throw new Error("pack");
 * }
 * ```
 */
export function packNativeQcw(w: QcwWeights): NativeQcw {
  const { n, k, bits } = w;
  const kp = Math.ceil(k / 8) * 8;
  const blocks = qcwBlocks(k, w.blockSize);
  const blockLength = qcwBlockLength(k, w.blockSize);
  if (w.codes.length !== n * k) {
    throw new RangeError(`packNativeQcw: codes has ${w.codes.length} elements, expected n·k = ${n * k}`);
  }
  const columnBytes = (kp * bits) / 8;
  const codes = new Uint8Array(n * columnBytes);
  const codeSum = new Int32Array(n * blocks);
  const top = 2 ** bits;
  for (let j = 0; j < n; j++) {
    const col = j * columnBytes;
    for (let b = 0; b < blocks; b++) {
      const k0 = b * blockLength;
      const k1 = Math.min(k0 + blockLength, kp);
      const full = k0 + Math.floor((k1 - k0) / 32) * 32;
      let sum = 0;
      for (let kk = k0; kk < Math.min(k1, k); kk++) {
        const u = w.codes[j * k + kk]!;
        if (!(u < top)) {
          throw new RangeError(`packNativeQcw: code ${u} at column ${j}, position ${kk} does not fit ${bits} bits`);
        }
        if (bits === 8) {
          codes[col + kk] = u - 128;
          sum += u - 128;
          continue;
        }
        const g = kk < full ? 32 : 8;
        const p = kk < full ? k0 + Math.floor((kk - k0) / 32) * 32 : full + Math.floor((kk - full) / 8) * 8;
        const i = kk - p;
        const bytes = (g * bits) / 8;
        codes[col + (p * bits) / 8 + (i % bytes)]! |= u << (Math.floor(i / bytes) * bits);
        sum += u;
      }
      codeSum[j * blocks + b] = sum;
    }
  }
  return {
    n,
    k,
    kp,
    bits,
    blockLength,
    blocks,
    codes,
    codeSum,
    scales: Float32Array.from(w.scales),
    offsets: Float32Array.from(qcwOffsets(w)),
    bias: w.bias === undefined ? new Float32Array(n) : Float32Array.from(w.bias),
  };
}

/** One native variant, ready to call. Get one from {@link loadNativeKernels}. */
export class NativeKernels {
  /** Which variant. */
  readonly variant: NativeVariant;
  readonly #lib: NativeLibrary;

  constructor(variant: NativeVariant, lib: NativeLibrary) {
    this.variant = variant;
    this.#lib = lib;
  }

  /** Kernel name at a bit width, e.g. `qd8-f32-qc4w-gemm-2x4c8-i8mm`. */
  name(bits: 2 | 4 | 8): string {
    return `qd8-f32-qc${bits}w-gemm-${NATIVE_TILES[this.variant]}-${this.variant}`;
  }

  /** Whether these weights fit the kernels' exact int32 range (else the caller uses wasm). */
  accepts(w: NativeQcw): boolean {
    return w.blockLength <= NATIVE_MAX_BLOCK;
  }

  /** `C = act(dequant(a)·W + bias)`, `m × n`, exactly as qd8F32QcwGemmRef. */
  gemm(a: QuantizedRows, w: NativeQcw, activation: Activation = "none", out?: Float32Array): Float32Array {
    const { m, k } = a;
    const { n, kp } = w;
    if (k !== w.k) throw new RangeError(`${this.name(w.bits)}: A has rows of ${k}, weights expect k = ${w.k}`);
    if (!this.accepts(w)) {
      throw new RangeError(`${this.name(w.bits)}: block length ${w.blockLength} exceeds ${NATIVE_MAX_BLOCK}`);
    }
    const c = out ?? new Float32Array(m * n);
    if (c.length !== m * n) {
      throw new RangeError(`${this.name(w.bits)}: out has ${c.length} elements, expected ${m * n}`);
    }
    let q = a.q;
    if (kp !== k) {
      q = new Int8Array(m * kp);
      for (let i = 0; i < m; i++) q.set(a.q.subarray(i * k, (i + 1) * k), i * kp);
    }
    const scratch = new Int32Array(m * w.blocks);
    const status = this.#lib.call(`bl_native_qd8_f32_qcw_gemm_${this.variant}`, [
      m,
      n,
      kp,
      k,
      w.blockLength,
      w.blocks,
      w.bits,
      q,
      a.scale,
      a.zeroPoint,
      w.codes,
      w.codeSum,
      w.scales,
      w.offsets,
      w.bias,
      c,
      scratch,
    ]);
    if (status !== 0) throw new KernelError(this.name(w.bits), status, `m=${m}, n=${n}, k=${k}, bits=${w.bits}`);
    if (activation !== "none") { for (let i = 0; i < c.length; i++) c[i] = applyActivationRef(c[i]!, activation); }
    return c;
  }
}

const opened = new Map<string, Promise<NativeLibrary>>();

/** Options of {@link loadNativeKernels}. */
export interface LoadNativeKernelsOptions {
  /** Library path. @default the committed kernels/native/dist/libbitloop_native_arm64.so */
  path?: string;
}

/**
 * Opens the library (once per path) and returns `variant`. Does not check CPU features: the dispatch
 * table does that before calling. Rejects when the runtime has no FFI, lacks the permission, or the
 * library is missing or has another ABI.
 *
 * @example
 * ```ts
 * // Where the library cannot load (x64, no FFI permission), this rejects and the dispatcher uses wasm.
 * const native = await loadNativeKernels("dotprod").catch(() => undefined);
 * if (native !== undefined && native.name(4) !== "qd8-f32-qc4w-gemm-1x4c4-dotprod") throw new Error("name");
 * ```
 */
export async function loadNativeKernels(
  variant: NativeVariant,
  options: LoadNativeKernelsOptions = {},
): Promise<NativeKernels> {
  const url = nativeLibraryUrl();
  const path = options.path ?? (url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href);
  let lib = opened.get(path);
  if (lib === undefined) {
    lib = currentFfi().open(path, SYMBOLS).then((l) => {
      const abi = l.call("bl_native_abi_version", []);
      if (abi !== NATIVE_ABI_VERSION) {
        l.close();
        throw new Error(`Native kernels ${path} have ABI ${abi}, these bindings expect ${NATIVE_ABI_VERSION}`);
      }
      return l;
    });
    lib.catch(() => opened.delete(path));
    opened.set(path, lib);
  }
  return new NativeKernels(variant, await lib);
}
