/** The `modelmesh` CLI, run in-process through its main function with captured output and signals. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { parseArgs, runCli, type CliIO, type ProxyHandle } from "../src/index.js";

let mock: MockProvider;
let dir: string;
let good: string;
let bad: string;

const CONFIG = (url: string) => `providers:
  local:
    connector: openai-compatible
    config: { base_url: ${url}, api_key: sk-test }
    models:
      - id: with-tools
        capabilities: [chat-completion]
        features: { tool_calling: true }
      - id: plain
        capabilities: [chat-completion]
pools:
  chat:
    capability: chat-completion
    models: [local.plain, local.with-tools]
`;

beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "with-tools" }, { id: "plain" }] });
  dir = await mkdtemp(join(tmpdir(), "modelmesh-cli-"));
  good = join(dir, "good.yaml");
  bad = join(dir, "bad.yaml");
  await writeFile(good, CONFIG(mock.url));
  await writeFile(bad, `providers:\n  local:\n    connector: openai-compatible\n    config: { base_url: not a url }\n`);
});
afterAll(async () => {
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

function io(extra: Partial<CliIO> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), env: {}, cwd: dir, onSignal: () => () => {}, ...extra } };
}

describe("modelmesh CLI", () => {
  it("--help prints the usage", async () => {
    const c = io();
    expect(await runCli(["--help"], c.io)).toBe(0);
    expect(c.out.join("")).toMatch(/modelmesh serve/);
  });

  it("parses flags by hand", () => {
    expect(parseArgs(["explain", "--model=chat", "--message", "hi there", "--tools"])).toMatchObject({ command: "explain", errors: [] });
    expect(parseArgs(["serve", "--bogus"]).errors).toEqual(["unknown option --bogus"]);
    expect(parseArgs(["serve", "--port"]).errors).toEqual(["--port needs a value"]);
  });

  it("validate: exit 0 with a summary of providers, models and pools", async () => {
    const c = io();
    expect(await runCli(["validate", "--config", good], c.io)).toBe(0);
    const text = c.out.join("");
    expect(text).toContain("valid");
    expect(text).toMatch(/providers \(1\):\n {2}local {2}openai-compatible {2}2 model\(s\)/);
    expect(text).toContain("local.with-tools");
    expect(text).toMatch(/ {2}chat {2}\(generation\.text-generation\.chat-completion\)/);
  });

  it("validate: exit 1 with the ConfigError (path and line)", async () => {
    const c = io();
    expect(await runCli(["validate", "--config", bad], c.io)).toBe(1);
    const text = c.err.join("");
    expect(text).toContain("bad.yaml");
    expect(text).toMatch(/providers\.local\.config\.base_url/);
    expect(text).toMatch(/line 4/);
  });

  it("explain: candidates, exclusions and why, the pick — without an upstream call", async () => {
    const c = io();
    mock.reset();
    expect(await runCli(["explain", "--config", good, "--model", "chat", "--message", "weather?", "--tools"], c.io)).toBe(0);
    const text = c.out.join("");
    expect(text).toContain("resolved as pool: pool chat (generation.text-generation.chat-completion)");
    expect(text).toContain("requirements: tool_calling");
    expect(text).toMatch(/✗ local\/local\.plain {2}excluded at requirement \(tool_calling\)/);
    expect(text).toMatch(/✓ local\/local\.with-tools {2}eligible/);
    expect(text).toMatch(/pick: local\/local\.with-tools \(upstream model with-tools\)/);
    expect(mock.calls).toHaveLength(0);
    const json = io();
    expect(await runCli(["explain", "--config", good, "--model", "chat", "--json"], json.io)).toBe(0);
    expect(JSON.parse(json.out.join("")).final.routeId).toBe("local/local.plain");
  });

  it("explain: unknown model fails with the resolution error", async () => {
    const c = io();
    expect(await runCli(["explain", "--config", good, "--model", "nope"], c.io)).toBe(1);
    expect(c.err.join("")).toMatch(/no pool, capability or model named "nope"/);
  });

  it("serve: prints the URL, serves, and stops gracefully on SIGTERM", async () => {
    let signal: ((name: string) => void) | undefined;
    let handle: ProxyHandle | undefined;
    const c = io({ onSignal: (fn) => ((signal = fn), () => {}), onListening: (h) => (handle = h) });
    const exit = runCli(["serve", "--config", good, "--port", "0", "--no-watch"], c.io);
    await expect.poll(() => handle, { timeout: 5_000 }).toBeDefined();
    expect(c.out.join("")).toMatch(/^modelmesh proxy listening on http:\/\/127\.0\.0\.1:\d+ \(OpenAI base URL: http:\/\/127\.0\.0\.1:\d+\/v1\)/);
    const response = await fetch(`${handle!.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] }) });
    expect((await response.json()).choices[0].message.content).toBe("echo: hi");
    signal!("SIGTERM");
    expect(await exit).toBe(0);
    expect(c.err.join("")).toContain("SIGTERM received");
    await expect(fetch(`${handle!.url}/healthz`)).rejects.toThrow();
  });

  it("serve: a bad --port is a usage error", async () => {
    const c = io();
    expect(await runCli(["serve", "--config", good, "--port", "70000"], c.io)).toBe(2);
  });
});
