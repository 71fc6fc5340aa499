/** The README quick start runs as written (lifted from the README into a module and imported). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("README", () => {
  it("the quick start resolves the encrypted key and gets an answer from the key-checking mock", async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const section = readme.slice(readme.indexOf("## Quick start"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    expect(code.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("import") && !line.startsWith("//")).length).toBeLessThanOrEqual(15);
    const dir = `${root}node_modules/.cache/readme`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/quick-start.ts`, code.replace('from "@modelmesh/secrets"', `from ${JSON.stringify(`${root}src/index.ts`)}`));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await import(/* @vite-ignore */ `${dir}/quick-start.ts`);
    expect(log.mock.calls).toEqual([["assistant"]]);
  });
});
