/** Loads the recorded payloads in `src/__fixtures__` (Gemini's documented response and stream shapes). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../src/__fixtures__/", import.meta.url));

/** A `<name>.json` fixture, parsed. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, "utf8")) as T;
}

/** A `<name>.json` fixture as raw text (for error bodies sent verbatim). */
export function fixtureText(name: string): string {
  return readFileSync(`${DIR}${name}.json`, "utf8");
}

/** The events of a `<name>.chunks.txt` fixture: one JSON document per line. */
export function chunks(name: string): string[] {
  return readFileSync(`${DIR}${name}.chunks.txt`, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
