import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseStatusEnum, renderStatusModule, STATUS_RS, STATUS_TS } from "../../kernels/gen_status.ts";
import { KernelError } from "../../src/kernels/kernel_error.ts";
import { KERNEL_STATUS_MESSAGES, KernelStatus } from "../../src/kernels/status.ts";
import { availableVariants, kernelsFor } from "./_kernel_suite.ts";

describe("status table", () => {
  test("src/kernels/status.ts is what kernels/gen_status.ts generates from status.rs", () => {
    const expected = renderStatusModule(parseStatusEnum(readFileSync(STATUS_RS, "utf8")));
    expect(readFileSync(STATUS_TS, "utf8")).toBe(expected);
  });

  test("codes are dense from 0 and every code has a message", () => {
    const codes = Object.values(KernelStatus).sort((a, b) => a - b);
    expect(codes).toEqual(codes.map((_, i) => i));
    for (const c of codes) expect(KERNEL_STATUS_MESSAGES[c]).toMatch(/\.$/);
  });

  test("the parser rejects an enum that does not start with Ok = 0", () => {
    expect(() => parseStatusEnum("pub enum Status {\n    /// x\n    Bad = 1,\n}")).toThrow(SyntaxError);
  });
});

for (const variant of availableVariants()) {
  describe(`export status codes (${variant})`, () => {
    test("each kind of bad argument returns its own code", async () => {
      const { module } = await kernelsFor(variant);
      const ex = module.exports;
      const heap = module.heap;
      const p = heap.alloc(1 << 16);
      try {
        const S = KernelStatus;
        expect(ex.bl_f32_gemm(0, 4, 4, p, 4, p, 0, p, 4, 0, 0, 0)).toBe(S.BadShape);
        expect(ex.bl_f32_gemm(2, 4, 4, p, 3, p, 0, p, 4, 0, 0, 0)).toBe(S.BadStride);
        expect(ex.bl_f32_gemm(2, 4, 4, p, 4, p, 0, p, 4, 99, 0, 0)).toBe(S.BadActivation);
        expect(ex.bl_f32_gemm(2, 4, 4, p, 4, p, 0, p, 4, 3, 1, 0)).toBe(S.BadActivation); // clip min > max
        expect(ex.bl_f32_gemm(2, 4, 4, 0, 4, p, 0, p, 4, 0, 0, 0)).toBe(S.BadPointer);
        expect(ex.bl_f32_gemm(2, 4, 4, p + 2, 4, p, 0, p, 4, 0, 0, 0)).toBe(S.BadPointer);
        expect(ex.bl_f32_gemm(2, 4, 4, 0x7fff_0000, 4, p, 0, p, 4, 0, 0, 0)).toBe(S.BadPointer);
        expect(ex.bl_qcw_packed_bytes(8, 8, 3, 0)).toBe(0);
        expect(ex.bl_qcw_pack(8, 8, 3, 0, p, 8, 1, p, 0, 0, p)).toBe(S.BadBits);
        expect(ex.bl_qcw_pack(8, 16, 4, 12, p, 16, 1, p, 0, 0, p)).toBe(S.BadBlockSize);
        heap.u8(p, 64).fill(16);
        expect(ex.bl_qcw_pack(8, 8, 4, 0, p, 8, 1, p + 1024, 0, 0, p + 4096)).toBe(S.CodeOutOfRange);
        expect(ex.bl_qd8_f32_qcw_gemm(4, 8, 8, 4, 0, p, 8, p, p, p, p, 8, 0, 0, 0, p, 15)).toBe(S.ScratchTooSmall);
        expect(ex.bl_qd8_f32_qcw_gemm(4, 8, 9, 4, 0, p, 9, p, p, p, p, 8, 0, 0, 0, p, 64)).toBe(S.BadStride);
        const desc = heap.u32(p, 15);
        desc.set([3, 8, 8, 4, 2, 3, 3, 1, 1, 1, 1, 0, 0, 6, 6]); // 3 channels in 2 groups
        expect(ex.bl_f32_conv2d(p, p, p, 0, p, 0, 0, 0, p, 1024)).toBe(S.BadConvParams);
        expect(ex.bl_f32_conv2d_scratch_min(p)).toBe(0);
        desc.set([4, 8, 8, 4, 4, 3, 3, 1, 1, 1, 1, 0, 0, 6, 6]);
        expect(ex.bl_f32_dwconv2d(p, p + 256, p + 256, 0, p + 256, 0, 0, 0, p + 256, 4)).toBe(S.ScratchTooSmall);
        expect(ex.bl_f32_add_into(p, p + 64, 0)).toBe(S.BadShape);
        expect(ex.bl_f32_add_into(p + 2, p + 64, 4)).toBe(S.BadPointer);
        expect(ex.bl_f32_add_into(p, 0x7fff_fff0, 8)).toBe(S.BadPointer); // src runs past the memory's end
        expect(ex.bl_f32_add_into(p, p, 1 << 30)).toBe(S.Overflow);
        heap.f32(p, 2).set([1.5, -2]);
        expect(ex.bl_f32_add_into(p, p, 2)).toBe(S.Ok); // in place, the regions the same
        expect([...heap.f32(p, 2)]).toEqual([3, -4]);
      } finally {
        heap.free(p);
      }
    });

    test("wrappers turn a non-zero status into a KernelError naming the kernel", async () => {
      const { module } = await kernelsFor(variant);
      const error = (() => {
        try {
          module.check(KernelStatus.BadStride, "f32-gemm-test", () => "m=1");
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(KernelError);
      expect((error as KernelError).statusName).toBe("BadStride");
      expect((error as KernelError).message).toContain('Kernel "f32-gemm-test" failed with BadStride (10)');
    });
  });
}
