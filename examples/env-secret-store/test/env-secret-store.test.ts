/** End to end: the key travels from the environment to the upstream's Authorization header, never into errors. */
import { ConfigError } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "../src/run.js";

const KEY = "sk-env-example-key-0123456789";
let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ apiKey: KEY });
});
afterAll(() => mock.close());

it("authenticates with the key from MM_UPSTREAM_KEY", async () => {
  expect(await run({ UPSTREAM_URL: mock.url, MM_UPSTREAM_KEY: KEY })).toBe("echo: Which key did you get?");
  expect(mock.calls.at(-1)).toMatchObject({ status: 200, headers: { authorization: "Bearer ***" } });
});

it("also reads the name as given, with the prefix", async () => {
  expect(await run({ UPSTREAM_URL: mock.url, "MM_upstream-key": KEY })).toMatch(/^echo:/);
});

it("fails at start-up naming the secret and the config path, without any value, when the variable is missing", async () => {
  const error = await run({ UPSTREAM_URL: mock.url, OTHER_SECRET: KEY }).catch((caught: unknown) => caught);
  expect(ConfigError.is(error)).toBe(true);
  expect(error).toMatchObject({ code: "MM_SECRET_MISSING" });
  expect((error as ConfigError).issues[0]?.path).toBe("providers.upstream.config.api_key");
  expect((error as Error).message).toContain("upstream-key");
  expect((error as Error).message).not.toContain(KEY);
});

it("a wrong key reaches the upstream and is classified as auth", async () => {
  await expect(run({ UPSTREAM_URL: mock.url, MM_UPSTREAM_KEY: "sk-wrong-key-0123456789" })).rejects.toMatchObject({ category: "auth" });
});
