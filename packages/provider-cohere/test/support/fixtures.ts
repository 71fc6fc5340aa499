/** Loads the recorded payloads of `src/__fixtures__` (written from Cohere's API reference) and renders streams as SSE. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../src/__fixtures__/", import.meta.url));

/** A complete JSON payload (`<name>.json`). */
export function fixture<T = any>(name: string): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(`${DIR}${name}.json`, "utf8")) as T;
}

/** The events of a stream (`<name>.chunks.txt`, one event payload per line). */
export function fixtureEvents(name: string): Array<Record<string, unknown> & { type: string }> {
  return readFileSync(`${DIR}${name}.chunks.txt`, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

/** Renders events as api.cohere.com sends them: `event: <type>` then `data: <json>`, blank-line separated. */
export function toSse(events: ReadonlyArray<{ type: string }>): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}
