/**
 * The README's examples run as written: the quick start (the first `ts` block after "## Quick start") with its
 * imports bound to this package's source, `modelmesh`, `ai` and the mock provider, and its printed output
 * checked; the Streaming and Tools blocks against a test mesh.
 */
import { readFileSync } from "node:fs";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import { create } from "modelmesh";
import { startMockProvider } from "@modelmesh/testing/server";
import { expect, it } from "vitest";
import { z } from "zod";
import { createModelMesh } from "../src/index.js";
import { startTestMesh } from "./support/mesh.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;

function block(heading: string): string {
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

it("the quick start runs offline and prints what its comment says", async () => {
  const code = block("Quick start");
  expect(code).toContain('from "@modelmesh/ai-sdk"');
  expect(code.split("\n").length).toBeLessThanOrEqual(16);
  const imports = code.split("\n").filter((line) => line.startsWith("import "));
  expect(imports).toEqual([
    'import { generateText } from "ai";',
    'import { create } from "modelmesh";',
    'import { createModelMesh } from "@modelmesh/ai-sdk";',
    'import { startMockProvider } from "@modelmesh/testing/server";',
  ]);
  const body = code.split("\n").filter((line) => !line.startsWith("import ")).join("\n");
  const printed: unknown[][] = [];
  await new AsyncFunction("generateText", "create", "createModelMesh", "startMockProvider", "console", body)(generateText, create, createModelMesh, startMockProvider, {
    log: (...values: unknown[]) => printed.push(values),
  });
  expect(printed).toEqual([["echo: Hello", 3]]);
});

it("the Streaming and Tools examples run against a mesh", async () => {
  const mesh = await startTestMesh();
  try {
    const modelmesh = createModelMesh({ client: mesh.client });
    const written: string[] = [];
    const printed: unknown[][] = [];
    const streaming = block("Streaming");
    await new AsyncFunction("streamText", "modelmesh", "process", "console", streaming)(streamText, modelmesh, { stdout: { write: (s: string) => written.push(s) } }, { log: (...v: unknown[]) => printed.push(v) });
    expect(written.join("")).toBe("echo: Write a haiku");
    expect(printed[0]![1]).toBe("stop");
    const tools = block("Tools and structured output");
    const result = (await new AsyncFunction("generateText", "generateObject", "tool", "z", "stepCountIs", "modelmesh", `${tools}\nreturn { result, object };`)(
      generateText,
      generateObject,
      tool,
      z,
      stepCountIs,
      modelmesh,
    )) as { result: { text: string }; object: unknown };
    expect(result.result.text).toBe("weather: sunny in Paris");
    expect(result.object).toEqual({ city: "Paris" });
  } finally {
    await mesh.close();
  }
});
