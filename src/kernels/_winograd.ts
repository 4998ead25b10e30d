// Winograd F(2×2, 3×3) for fp32 group-1 3×3 stride-1 undilated convs (kernels/src/f32_winograd.rs): the
// weights are transformed once into 16 `oc × ic` matrices (rows interleaved in blocks of 4 for the GEMM
// tile) beside the plain ones, and the crossover rule says when a call takes this path instead of im2col + GEMM.
import type { KernelModule } from "./kernel_module.ts";
import { OwnedBlock } from "./_owned_block.ts";

/** Target scratch (bytes) for the transformed tiles of one chunk of tile rows (stays in L2). */
export const WINOGRAD_SCRATCH_TARGET = 512 * 1024;

/**
 * The channel half of the crossover rule (decided when the weights are prepared): at least 2 input channels.
 *
 * Per 2×2 output tile Winograd runs `16·c·oc` multiply-adds in its GEMMs against im2col's `36·c·oc`, and
 * adds an input transform (∝ c) and an output transform (∝ oc) per tile, but im2col copies `9·c` floats
 * per output pixel, which costs more than the input transform, so Winograd wins even with few channels.
 * Measured SIMD128, one process, interleaved (an uncommitted sweep script, Deno 2.9 and Bun 1.4; time ratio
 * Winograd / im2col): c=96 oc=24 80×80 0.42–0.56, c=16 oc=16 40×40 0.56, c=8 oc=2 40×40 0.57, c=4 oc=4
 * 0.66, c=2 oc=8 0.81–0.88, c=3 oc=16 80×80 0.77–0.91 (relaxed build alike); c=1 oc=8 1.01: no gain.
 */
export function winogradChannelsPay(c: number, oc: number): boolean {
  return c >= 2 && oc >= 1;
}

/**
 * The whole crossover rule for one call: channels (see {@link winogradChannelsPay}) and an output of at
 * least 4×4. Tile rows are padded to 4 tiles (the SIMD transforms' width), so tiny outputs waste most of
 * the GEMM: measured ratios 0.71–0.92 at 4×4 (c=8..96), 0.9–1.0 at 3×3, 1.6 at 2×2.
 */
export function winogradPays(c: number, oc: number, oh: number, ow: number): boolean {
  return winogradChannelsPay(c, oc) && Math.min(oh, ow) >= 4;
}

/** 3×3 weights transformed to the Winograd domain (16 interleaved `oc × ic` matrices) in a kernel instance's memory. */
export class PreparedWinograd extends OwnedBlock {
  /** Output channels. */
  readonly outChannels: number;
  /** Input channels. */
  readonly inChannels: number;

  constructor(module: KernelModule, outChannels: number, inChannels: number) {
    const bytes = module.exports.bl_f32_winograd_weights_bytes(outChannels, inChannels) >>> 0;
    if (bytes === 0) {
      throw new RangeError(
        `prepareWinogradF32: ${outChannels}×${inChannels} Winograd weights exceed the kernels' 1 GiB limit; ` +
          "pass winograd: false to prepareConv2dF32",
      );
    }
    super(module, bytes);
    this.outChannels = outChannels;
    this.inChannels = inChannels;
  }
}

/** Transforms the `[oc][ic][3][3]` weights at `weightsPtr` (in `module`'s memory) into a new handle. */
export function prepareWinogradF32(
  module: KernelModule,
  weightsPtr: number,
  outChannels: number,
  inChannels: number,
): PreparedWinograd {
  const prepared = new PreparedWinograd(module, outChannels, inChannels);
  try {
    const status = module.exports.bl_f32_winograd_transform_weights(outChannels, inChannels, weightsPtr, prepared.ptr);
    module.check(status, "f32-winograd-transform-weights", () => `oc=${outChannels}, ic=${inChannels}`);
  } catch (error) {
    prepared.dispose();
    throw error;
  }
  return prepared;
}

/** True when a call with these strides and dilations can take the Winograd kernel. */
export function winogradGeometry(strides: readonly [number, number], dilations: readonly [number, number]): boolean {
  return strides[0] === 1 && strides[1] === 1 && dilations[0] === 1 && dilations[1] === 1;
}

/** Scratch bytes for one call: whole tile rows, up to {@link WINOGRAD_SCRATCH_TARGET}; 0 if the geometry is invalid. */
export function winogradScratchBytes(module: KernelModule, desc: number, oh: number): number {
  const min = module.exports.bl_f32_conv2d_winograd_scratch_min(desc) >>> 0;
  if (min === 0) return 0;
  const rows = Math.min(Math.ceil(oh / 2), Math.max(1, Math.floor(WINOGRAD_SCRATCH_TARGET / min)));
  return rows * min;
}
