/**
 * A megabyte `model` through `create()`'s client: a typed invalid-request error at once, never a frozen event
 * loop (the close-match suggestions used to run an unbounded edit distance: 26–66 s for 1 MB).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create } from "../src/index.js";

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "llama3.2" }] });
});
afterAll(() => mock.close());

it("a 1 MB and a 100 KB model name are rejected with MM_INVALID_REQUEST as fast as an ordinary unknown name", async () => {
  const client = create("chat-completion", { env: { OLLAMA_HOST: `127.0.0.1:${mock.port}` }, cwd: mkdtempSync(join(tmpdir(), "mm-abuse-")) });
  const messages = [{ role: "user" as const, content: "hi" }];
  const timed = async (model: string) => {
    const started = performance.now();
    const error = await client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
    return { ms: performance.now() - started, error };
  };
  try {
    let baseline = 0;
    for (const name of ["chat-completoin", "gpt-4o", "llama3.3"]) {
      const { ms, error } = await timed(name);
      expect(error).toMatchObject({ code: "MM_UNKNOWN_MODEL" });
      baseline = Math.max(baseline, ms);
    }
    for (const size of [1024 * 1024, 100 * 1024]) {
      const { ms, error } = await timed("n".repeat(size));
      expect(error).toMatchObject({ code: "MM_INVALID_REQUEST", category: "invalid_request", metadata: { limit: 256, length: size } });
      expect((error as Error).message.length).toBeLessThan(300);
      // Generous: 20× the slowest ordinary error and never under 200 ms.
      expect(ms, `${size} bytes: ${ms} ms, baseline ${baseline} ms`).toBeLessThan(Math.max(200, 20 * baseline));
    }
    expect(mock.calls).toHaveLength(0);
  } finally {
    await client.close();
  }
});
