/**
 * The browser build as an edge-style script in plain Node (`node script.mjs`, a real child process): it answers
 * through the built package with memory state, and the process exits on its own once the script is done — no
 * timer or socket of the mesh keeps it alive, and nothing ends it early mid-request.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DIST = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;

describe("@modelmesh/browser in a plain node script", () => {
  let mock: MockProvider;
  let dir: string;

  beforeAll(async () => {
    mock = await startMockProvider({ reply: () => ({ content: "pong" }), chunkDelayMs: 5 });
    dir = mkdtempSync(join(tmpdir(), "mm-browser-node-"));
  });

  afterAll(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers (plain and streamed) and exits 0 by itself, without close()", async () => {
    const script = join(dir, "script.mjs");
    writeFileSync(
      script,
      [
        `import { createBrowser } from ${JSON.stringify(DIST)};`,
        `const client = createBrowser({ config: { providers: { local: { base_url: process.argv[2], models: ["mock-model"] } }, pools: { chat: { models: ["local.mock-model"] } } } });`,
        `const answer = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "ping" }] });`,
        `let streamed = "";`,
        `for await (const chunk of await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "ping" }], stream: true })) streamed += chunk.choices[0]?.delta?.content ?? "";`,
        `console.log(JSON.stringify({ text: answer.choices[0].message.content, streamed }));`,
      ].join("\n"),
    );
    const child = spawn(process.execPath, [script, mock.url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.once("close", (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ text: "pong", streamed: "pong" });
  });
});
