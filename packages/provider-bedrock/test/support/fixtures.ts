import { readFileSync } from "node:fs";
import { systemClock, type Clock } from "@modelmesh/core";

/** Reads a JSON fixture of `test/fixtures`. */
export function fixture<T = any>(name: string): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

/** A clock stopped at `now` (real timers). */
export function fixedClock(now: number): Clock {
  return { now: () => now, setTimer: (fn, ms, options) => systemClock.setTimer(fn, ms, options) };
}

/** A 1×1 transparent PNG. */
export const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
