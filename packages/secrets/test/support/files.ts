/** Temporary directories for the tests (removed after the file's tests) and small file helpers. */
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh empty directory. */
export function tempDir(prefix = "mm-secrets-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Permission bits of a file. */
export const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** File names in a directory, sorted (to see that no temporary file is left behind). */
export const filesIn = (dir: string): string[] => readdirSync(dir).sort();

/**
 * Moves a file's mtime one minute further, so a `watch` check sees a change even when two writes fall within
 * the file system's timestamp resolution (no sleeping).
 */
export function bumpMtime(path: string): void {
  const { mtimeMs } = statSync(path);
  const next = new Date(mtimeMs + 60_000);
  utimesSync(path, next, next);
}
