import { describe, expect, test } from "bun:test";
import { AgentError, errorReport } from "../../device-agent/agent_error.ts";
import { JobLocks, RunLimiter } from "../../device-agent/limits.ts";
import { InputError, ModelFormatError, NodeExecutionError, UnsupportedOpError } from "../../src/errors.ts";

describe("JobLocks", () => {
  test("a held model is busy with a Retry-After estimated from the job's progress", () => {
    let now = 0;
    const locks = new JobLocks(() => now);
    const release = locks.acquire("m", "bench");
    now = 10_000;
    locks.progress("m", 0.25);
    const busy = (() => {
      try {
        locks.acquire("m", "eval");
      } catch (e) {
        return e as AgentError;
      }
    })();
    expect(busy).toBeInstanceOf(AgentError);
    expect(busy!.code).toBe("busy");
    expect(busy!.retryAfter).toBe(30); // 10 s for a quarter: 30 s to go
    expect(errorReport(busy).headers["Retry-After"]).toBe("30");
    expect(locks.busy()).toEqual(["m"]);
    release();
    release(); // twice is harmless
    expect(locks.busy()).toEqual([]);
    locks.acquire("m", "eval")();
  });
});

describe("RunLimiter", () => {
  test("admits maxActive, queues maxQueued in order, refuses the rest with overloaded", async () => {
    const limiter = new RunLimiter(1, 1);
    const first = await limiter.acquire();
    const order: string[] = [];
    const second = limiter.acquire().then((r) => {
      order.push("second");
      return r;
    });
    await expect(limiter.acquire()).rejects.toMatchObject({ code: "overloaded", retryAfter: 1 });
    expect([limiter.active, limiter.queued]).toEqual([1, 1]);
    first();
    (await second)();
    expect(order).toEqual(["second"]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });
});

describe("errorReport", () => {
  test("maps the library's typed errors to 4xx codes and anything else to 500 internal", () => {
    const cases: [unknown, number, string][] = [
      [new UnsupportedOpError("Foo", "n1", "Unsupported operator Foo"), 422, "unsupported_op"],
      [new ModelFormatError("onnx", "Truncated"), 422, "model_load_failed"],
      [new InputError("x", "Missing input x"), 422, "input_mismatch"],
      [new NodeExecutionError("Conv", "c1", { cause: new Error("boom") }), 422, "run_failed"],
      [new AgentError("payload_too_large", "big"), 413, "payload_too_large"],
      [new Error("bug"), 500, "internal"],
      ["a string", 500, "internal"],
    ];
    for (const [error, status, code] of cases) {
      const report = errorReport(error);
      expect([report.status, report.body.error.code]).toEqual([status, code]);
      expect(report.body.error.message.length).toBeGreaterThan(0);
    }
    expect(errorReport(new AgentError("unauthorized", "no")).headers["WWW-Authenticate"]).toContain("Bearer");
  });
});
