/** End to end against the inference service (fronting the mock provider), plus the 40-line promise. */
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { countFile, markdownTable, ROWS } from "../../loc.mjs";
import { startInferenceServer, type InferenceServer } from "../src/inference-server.js";
import { run } from "../src/run.js";

const apiKey = "sk-test-inference-0123456789";
let mock: MockProvider;
let server: InferenceServer;
beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "inference-large" }], apiKey });
  server = await startInferenceServer({ upstream: mock.url });
});
afterAll(async () => {
  await server.close();
  await mock.close();
});

it("completes and streams through the proprietary API, with usage and cost accounted", async () => {
  const result = await run({ baseUrl: server.baseUrl, apiKey, model: "inference-large" });
  expect(result.chat).toBe("echo: Summarise the quarterly report");
  expect(result.stream).toBe("echo: Summarise the quarterly report");
  // 4 prompt words + 5 reply tokens, twice; $0.5 / $1.5 per 1M tokens.
  expect(result.quota).toMatchObject({ requests: 2, tokens: 18 });
  expect(result.quota.costUsd).toBeCloseTo((2 * (4 * 0.5 + 5 * 1.5)) / 1e6, 12);
  expect(mock.calls.map((call) => call.body)).toMatchObject([{ max_tokens: 256 }, { stream: true, max_tokens: 256 }]);
});

it("keeps the seed's promise: the provider is at most 40 lines of TypeScript", () => {
  const limit = ROWS.find((row) => row.example === "custom-rest-provider")?.limit;
  expect(limit).toBe(40);
  expect(countFile("custom-rest-provider", "src/inference-provider.ts")).toBeLessThanOrEqual(40);
});

it("the @modelmesh/cdk README shows the measured LOC table (node examples/loc.mjs)", async () => {
  const readme = await readFile(new URL("../../../packages/cdk/README.md", import.meta.url), "utf8");
  expect(readme).toContain(markdownTable());
});
