/** Runs support/probe-import.mjs in a child Node process and parses its report. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const PROBE = fileURLToPath(new URL("./probe-import.mjs", import.meta.url));

/** One thing loading a module did (see probe-import.mjs). */
export interface ImportEffect {
  kind: "timer" | "socket" | "file" | "process" | "async" | "listener" | "global";
  what: string;
  /** The npm package whose code did it, `packages/<dir>` for workspace code, or `?`. */
  origin: string;
}

/** What loading one entry point exported and did. */
export interface ImportReport {
  /** Export name → `typeof` value, sorted by name. */
  exports: Record<string, string>;
  /** The `VERSION` export, when the entry has a string one. */
  version: string | null;
  effects: ImportEffect[];
}

/** Loads `specifier` with `import()` or `require()` in a fresh process; rejects with the child's stderr if it throws. */
export function probeImport(mode: "import" | "require", specifier: string): Promise<ImportReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, mode, specifier], { cwd: fileURLToPath(new URL("../..", import.meta.url)), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${mode} ${specifier} failed:\n${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as ImportReport);
    });
  });
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
