import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

/** The README's runnable blocks (quick start, Azure OpenAI) are executed as written (the package import pointed at the source). */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The first `ts` block after the `## <heading>` line. */
function firstBlock(heading: string): string {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  const start = readme.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!match) throw new Error(`README's "${heading}" section has no ts block`);
  return match[1]!.replace('from "@modelmesh/provider-openai"', 'from "../src/index.js"');
}

describe.each([
  ["Quick start", "quick-start"],
  ["Azure OpenAI", "azure"],
])("README %s", (heading, slug) => {
  const snippet = `${ROOT}test/.readme-${slug}.generated.ts`;
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(snippet, { force: true });
  });

  it("runs offline and prints what its comments say", async () => {
    const code = firstBlock(heading);
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThan(0);
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => (typeof a === "string" ? JSON.stringify(a) : String(a))).join(" ")));
    writeFileSync(snippet, code);
    await import(/* @vite-ignore */ snippet);
    expect(printed).toEqual(expected);
  });
});
