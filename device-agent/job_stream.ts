/**
 * Turns a job (an async generator of events) into an NDJSON response. The job advances only as the
 * client reads, so a slow client holds back nothing but its own job; a failure after the stream began
 * becomes a last `{"type":"error","status":504,"error":{code,message}}` line (`status` is what the
 * failure's HTTP status would have been); a client that disconnects aborts the
 * job. `onDone` runs exactly once however the stream ends (it releases the model's job lock).
 * @module
 */
import { NDJSON_CONTENT_TYPE } from "../src/client/ndjson.ts";
import { AgentError, errorReport } from "./agent_error.ts";

/** Streams `events` as NDJSON; `controller` is aborted when the client goes away. */
export function ndjsonResponse(
  events: AsyncGenerator<object>,
  controller: AbortController,
  onDone: () => void,
): Response {
  const encoder = new TextEncoder();
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    onDone();
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(sink) {
      try {
        const next = await events.next();
        if (next.done) {
          finish();
          sink.close();
          return;
        }
        sink.enqueue(encoder.encode(JSON.stringify(next.value) + "\n"));
      } catch (error) {
        finish();
        try {
          const report = errorReport(error);
          sink.enqueue(encoder.encode(JSON.stringify({ type: "error", status: report.status, ...report.body }) + "\n"));
          sink.close();
        } catch {
          // The client is gone.
        }
      }
    },
    async cancel() {
      controller.abort(new AgentError("shutting_down", "The client closed the stream"));
      try {
        await events.return(undefined);
      } catch {
        // The job stopped with an error; nobody is listening.
      }
      finish();
    },
  }, { highWaterMark: 0 });
  return new Response(stream, {
    status: 200,
    headers: { "Content-Type": NDJSON_CONTENT_TYPE, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" },
  });
}
