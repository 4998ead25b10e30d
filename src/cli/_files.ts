// File access for the CLI through the platform, with file-system errors turned into one-line UsageErrors.
import { currentPlatform } from "../platform/current.ts";
import { UsageError } from "./_usage_error.ts";

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  NotFound: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  PermissionDenied: "permission denied",
  EISDIR: "it is a directory",
  IsADirectory: "it is a directory",
  ENOTDIR: "a parent is not a directory",
  NotADirectory: "a parent is not a directory",
  EEXIST: "a file is in the way",
  AlreadyExists: "a file is in the way",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
};

/** A short reason for a file-system error from Deno or Node/Bun (`code` or Deno's error class name), if it is one. */
export function fileErrorReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" ? REASONS[code] : undefined) ?? REASONS[error.name];
}

/** Reads a file the user named; `what` says what it is in the error (`model "m.onnx"`). */
export async function readUserFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return await currentPlatform().readFile(path);
  } catch (error) {
    const reason = fileErrorReason(error);
    if (reason === undefined) throw error;
    throw new UsageError(`Cannot read ${what}: ${reason}`, { cause: error });
  }
}

/** Writes a file atomically (temp file + rename), creating nothing else. */
export async function writeUserFile(path: string, data: Uint8Array): Promise<void> {
  try {
    await currentPlatform().writeFileAtomic(path, data);
  } catch (error) {
    const reason = fileErrorReason(error);
    if (reason === undefined) throw error;
    const why = reason === "no such file" ? "its directory does not exist" : reason;
    throw new UsageError(`Cannot write "${path}": ${why}`, { cause: error });
  }
}

/** Creates a directory the user named, and its parents. */
export async function makeUserDir(path: string): Promise<void> {
  try {
    await currentPlatform().mkdirp(path);
  } catch (error) {
    const reason = fileErrorReason(error);
    if (reason === undefined) throw error;
    throw new UsageError(`Cannot create directory "${path}": ${reason}`, { cause: error });
  }
}

/** The directory part of a path (`.` when there is none). */
export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** The last part of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `dir` + `/` + `name`, without doubling a trailing slash. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
