import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

/** The README's quick start is executed as written (the package import pointed at the source). */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SNIPPET = `${ROOT}test/.readme-quick-start.generated.ts`;

function quickStart(): string {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error("README has no quick-start ts block");
  return match[1]!.replace('from "@modelmesh/provider-openai"', 'from "../src/index.js"');
}

describe("README quick start", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(SNIPPET, { force: true });
  });

  it("runs offline and prints what its comments say", async () => {
    const code = quickStart();
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => (typeof a === "string" ? JSON.stringify(a) : String(a))).join(" ")));
    writeFileSync(SNIPPET, code);
    await import(/* @vite-ignore */ SNIPPET);
    expect(printed).toEqual(expected);
  });
});
