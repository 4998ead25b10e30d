// A stand-in model worker for tests: it loads like the real one (answering with the tiny model's
// signature) and crashes with an uncaught error on every run.
import type { FromWorker, ToWorker } from "../../device-agent/worker_messages.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
};

scope.onmessage = (event) => {
  if (event.data.type === "load") {
    const x = { name: "x", dtype: "float32" as const, shape: [1, 4] };
    const y = { name: "y", dtype: "float32" as const, shape: [1, 3] };
    scope.postMessage({
      type: "loaded",
      signature: { inputNames: ["x"], outputNames: ["y"], inputs: [x], outputs: [y] },
    });
    return;
  }
  throw new Error("simulated worker crash");
};
