// Atomic write through node:fs, which Deno and Bun both provide; shared by deno.ts and bun.ts.
import { open, rename, rm } from "node:fs/promises";

/** Writes `data` to a temp file beside `path`, fsyncs it, renames it over `path`. */
export async function writeFileAtomicNode(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
