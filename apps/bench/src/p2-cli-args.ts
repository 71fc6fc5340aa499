/** Command-line helpers shared by the P2 and P3 entry points. */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `--name N` as a positive integer, or undefined when absent. */
export function intFlag(name: string, argv = process.argv): number | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`[modelmesh] [bench] --${name} needs a positive integer`);
  return value;
}

/** True when `--name` is present. */
export function boolFlag(name: string, argv = process.argv): boolean {
  return argv.includes(`--${name}`);
}

/** Writes `results/<name>.json` next to the built entry's package and returns the path. */
export function writeResult(name: string, result: unknown): string {
  const dir = fileURLToPath(new URL("../results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${name}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** `environment` as one line. */
export function environmentLine(e: { node: string; platform: string; arch: string; cpu: string; cpus: number }): string {
  return `${e.node} · ${e.platform}/${e.arch} · ${e.cpu} × ${e.cpus}`;
}
