// Run under Deno by f32_winograd.test.ts: the SIMD128 build's Winograd output hash on this engine.
import { loadKernels } from "../../src/kernels/dispatch.ts";
import { winogradCase } from "./_winograd_case.ts";

const kernels = await loadKernels({ variant: "simd128", native: false });
console.log(`${kernels.names.conv2dWinograd} ${winogradCase(kernels)}`);
