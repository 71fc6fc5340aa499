/**
 * The README's quick start runs as written: the first `ts` block after "## Quick start" is executed with its
 * imports bound to this package's source and cdk, and its printed output is checked.
 */
import { readFileSync } from "node:fs";
import { createFetchTransport } from "@modelmesh/cdk";
import { expect, it } from "vitest";
import { createBedrockProvider } from "../src/index.js";

it("the README quick start runs offline and prints what its comment says", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  expect(code).toContain('from "@modelmesh/provider-bedrock"');
  expect(code.split("\n").length).toBeLessThanOrEqual(15);
  const body = code.split("\n").filter((line) => !line.startsWith("import ")).join("\n");
  const printed: unknown[][] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction("createBedrockProvider", "createFetchTransport", "console", body)(createBedrockProvider, createFetchTransport, {
    log: (...values: unknown[]) => printed.push(values),
  });
  expect(printed).toEqual([["Hello!", 11]]);
});

it("the README's YAML example names the connector's id or aliases", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  expect(readme).toContain("connector: bedrock");
  expect(readme).toMatch(/`aws\.bedrock\.v1`.*`bedrock`, `aws-bedrock`/);
});
