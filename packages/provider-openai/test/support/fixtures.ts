import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Reads recorded payloads from `src/__fixtures__` (OpenAI's documented shapes, trimmed, no real keys). */

const DIR = fileURLToPath(new URL("../../src/__fixtures__/", import.meta.url));

/** A complete JSON response: `<name>.json`. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, "utf8")) as T;
}

/** A stream: `<name>.chunks.txt`, one JSON chunk per line, returned as the `data:` payload strings. */
export function chunkFixture(name: string): string[] {
  return readFileSync(`${DIR}${name}.chunks.txt`, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}
