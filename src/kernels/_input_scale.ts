// A conv input's per-channel scale applied in kernel memory (`bl_f32_scale_planes`, one float32 multiply per
// value: the values of the `Mul(x, s)` it replaces), between the copy in and the conv kernel: a squeeze-and-
// excitation block's gate costs no pass over the image in JavaScript and no intermediate tensor.
import type { KernelModule } from "./kernel_module.ts";

/** Throws unless `scale` holds one value per image and channel (`batch · channels`). */
export function checkInputScale(fn: string, scale: Float32Array, batch: number, channels: number): void {
  if (scale.length !== batch * channels) {
    throw new RangeError(
      `${fn}: inputScale has ${scale.length} values, expected one per image and input channel (${batch}·${channels})`,
    );
  }
}

/**
 * Multiplies image `b`'s `channels` planes of `plane` floats at `px` by their scales (`scale`, image-major);
 * `ptr` is kernel memory for `channels` floats.
 */
export function scaleImage(
  module: KernelModule,
  px: number,
  channels: number,
  plane: number,
  scale: Float32Array,
  b: number,
  ptr: number,
): void {
  module.heap.f32(ptr, channels).set(scale.subarray(b * channels, (b + 1) * channels));
  const status = module.exports.bl_f32_scale_planes(px, channels, plane, ptr);
  module.check(status, "f32-scale-planes", () => `${channels} planes of ${plane} floats`);
}
