// One fixed Winograd conv (det-neck-like channels, odd sizes, hardswish) hashed to compare engines' bits.
import type { Kernels } from "../../src/kernels/kernels.ts";
import { seededRandom } from "../_random.ts";

/** FNV-1a of the output bytes, as hex, after checking the Winograd kernel ran. */
export function winogradCase(kernels: Kernels): string {
  const [c, oc, h, w] = [48, 12, 23, 29];
  const next = seededRandom(97);
  const x = Float32Array.from({ length: c * h * w }, () => next() * 4 - 2);
  const wt = Float32Array.from({ length: oc * c * 9 }, () => next() - 0.5);
  const bias = Float32Array.from({ length: oc }, () => next() - 0.5);
  using conv = kernels.prepareConv2dF32(wt, { outChannels: oc, inChannels: c, kernel: [3, 3], bias });
  const y = kernels.conv2dF32(x, conv, { height: h, width: w, pads: [1, 1, 1, 1], activation: "hardswish" });
  if (y.kernel !== kernels.names.conv2dWinograd) throw new Error(`winogradCase: ${y.kernel} ran`);
  let hash = 0x811c9dc5;
  for (const byte of new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
