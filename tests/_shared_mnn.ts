// Where MNN's reference files live: shared/mnn/ beside the repository (development machines and CI).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of shared/mnn/ beside the repository checkout. */
export const MNN_DIR: string = fileURLToPath(new URL("../../shared/mnn", import.meta.url));

/** True when the MNN reference files are present (tests that need them are skipped otherwise). */
export const HAVE_MNN: boolean = existsSync(MNN_DIR);
