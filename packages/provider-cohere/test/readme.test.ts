/**
 * The README's quick start runs as written: the first `ts` block after "## Quick start" is executed with its
 * imports bound to this package's source and cdk, and its printed output is checked against its comment.
 */
import { readFileSync } from "node:fs";
import { createFetchTransport } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh } from "@modelmesh/core";
import { expect, it } from "vitest";
import { connector, createCohereProvider } from "../src/index.js";
import { startCohereMock } from "./support/cohere-mock.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

it("the README quick start runs offline and prints what its comment says", async () => {
  const section = readme.slice(readme.indexOf("## Quick start"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  expect(code).toContain('from "@modelmesh/provider-cohere"');
  expect(code.split("\n").length).toBeLessThanOrEqual(15);
  const comment = /\/\/ (.+)\n$/.exec(code)![1]!;
  const body = code.split("\n").filter((line) => !line.startsWith("import ")).join("\n");
  const printed: unknown[][] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction("createCohereProvider", "createFetchTransport", "console", body)(createCohereProvider, createFetchTransport, {
    log: (...values: unknown[]) => printed.push(values),
  });
  expect(printed).toEqual([["Hello!", 11]]);
  expect(printed[0]!.join(" ")).toBe(comment);
});

it("the README's YAML config loads through createMesh and serves both of its models", async () => {
  const key = "co-readme-0123456789abcdef";
  const upstream = await startCohereMock({ models: [{ id: "command-a-03-2025" }, { id: "embed-v4.0" }], apiKey: key });
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Configuration")))![1]!
    .replace("api_key: ${secrets:cohere-key}", `base_url: ${upstream.url}`);
  const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [connector] }), env: { CO_API_KEY: key } });
  try {
    const chat = await mesh.router.chat({ model: "cohere.command", messages: [{ role: "user", content: "hello readme" }] });
    expect(chat.value.choices[0]!.message.content).toBe("echo: hello readme");
    await mesh.router.embed({ model: "cohere.embed", input: "vector me" });
    expect(upstream.calls.at(-1)!.body).toMatchObject({ model: "embed-v4.0", input_type: "search_document" });
  } finally {
    await mesh.close();
    await upstream.close();
  }
});
