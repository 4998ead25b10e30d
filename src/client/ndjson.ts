/**
 * Newline-delimited JSON (NDJSON): one JSON value per `\n`-terminated line. The agent streams bench and
 * eval progress this way; {@link readNdjson} parses such a stream as it arrives.
 * @module
 */

/** The content type of an NDJSON stream. */
export const NDJSON_CONTENT_TYPE = "application/x-ndjson";

/**
 * Yields each JSON value of an NDJSON byte stream as its line completes. Blank lines are skipped; a
 * line that is not JSON throws `SyntaxError` with its line number.
 *
 * @example
 * ```ts
 * const body = new Response('{"a":1}\n{"a":2}\n').body!;
 * const values: unknown[] = [];
 * for await (const v of readNdjson(body)) values.push(v);
 * if (values.length !== 2) throw new Error("two lines");
 * ```
 */
export async function* readNdjson(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let line = 0;
  let finished = false;
  const parse = (text: string): unknown => {
    line++;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new SyntaxError(`NDJSON line ${line} is not JSON: ${text.slice(0, 80)}`, { cause });
    }
  };
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      buffered += value;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (text !== "") yield parse(text);
      }
    }
    if (buffered.trim() !== "") yield parse(buffered.trim());
  } finally {
    // A consumer that stops early cancels the stream, which tells the agent to stop the job.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
