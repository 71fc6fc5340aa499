/**
 * The real `modelmesh` binary as a child process: bundled from src/cli.ts exactly as tsup bundles it (esbuild,
 * packages external), then `node cli.js …` — exit codes, stdout/stderr and SIGTERM handling of a live server.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";

const here = dirname(fileURLToPath(import.meta.url));
// Inside the package so that its node_modules resolve the externals.
const outDir = join(here, "..", "node_modules", ".cache", "cli-spawn-test");
const cli = join(outDir, "cli.js");
let mock: MockProvider;
let dir: string;
let config: string;

beforeAll(async () => {
  await mkdir(outDir, { recursive: true });
  await build({ entryPoints: [join(here, "..", "src", "cli.ts")], outfile: cli, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" });
  mock = await startMockProvider();
  dir = await mkdtemp(join(tmpdir(), "modelmesh-spawn-"));
  config = join(dir, "modelmesh.yaml");
  await writeFile(config, `providers:\n  local:\n    connector: openai-compatible\n    config: { base_url: ${mock.url}, api_key: sk-test }\n    models:\n      - id: mock-model\n        capabilities: [chat-completion]\n`);
});
afterAll(async () => {
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("node cli.js", () => {
  it("validate exits 0 with a summary; a bad file exits 1 with path and line", async () => {
    const ok = await run(["validate"]); // modelmesh.yaml in the working directory
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("modelmesh.yaml: valid");
    const badFile = join(dir, "bad.yaml");
    await writeFile(badFile, "pools:\n  chat:\n    strategy: 42\n");
    const bad = await run(["validate", "--config", badFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml.*pools\.chat\.strategy.*line 3/s);
  });

  it("explain prints the dry-run trace", async () => {
    const result = await run(["explain", "--model", "chat-completion", "--message", "hello"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("pick: local/local.mock-model");
  });

  it("serve answers requests and exits 0 after SIGTERM", async () => {
    let url = "";
    let answered = false;
    const result = await run(["serve", "--port", "0"], (text, child) => {
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (!match || url) return;
      url = match[1]!;
      void fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "chat-completion", messages: [{ role: "user", content: "hi" }] }) })
        .then((r) => r.json())
        .then((body) => {
          answered = body.choices[0].message.content === "echo: hi";
          child.kill("SIGTERM");
        });
    });
    expect(answered).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SIGTERM received, shutting down gracefully");
  });

  it("serve at day-one defaults: a dead first provider (default model lists) never costs an answer", async () => {
    // Issue 10: the first provider refuses connections; every model of it is parked at once after one attempt.
    const dead = await startMockProvider();
    const deadUrl = dead.url;
    await dead.close();
    const live = await startMockProvider({ models: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini"].map((id) => ({ id })) });
    const dayOne = join(dir, "day-one.yaml");
    await writeFile(
      dayOne,
      `providers:\n  first:\n    connector: openai\n    config: { base_url: "${deadUrl}", api_key: sk-a }\n  second:\n    connector: openai\n    config: { base_url: "${live.url}", api_key: sk-b }\n`,
    );
    const answers: string[] = [];
    const served: string[] = [];
    try {
      const result = await run(["serve", "--port", "0", "--config", dayOne], (text, child) => {
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (!match || answers.length > 0 || served.length > 0) return;
        served.push("started");
        const client = new OpenAI({ baseURL: `${match[1]!}/v1`, apiKey: "unused", maxRetries: 0 });
        void (async () => {
          try {
            for (let i = 0; i < 15; i++) {
              const { data, response } = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: `n${i}` }] }).withResponse();
              answers.push(data.choices[0]!.message.content ?? "");
              served.push(response.headers.get("x-modelmesh-provider") ?? "?");
            }
          } finally {
            child.kill("SIGTERM");
          }
        })();
      });
      expect(result.code).toBe(0);
      expect(answers).toEqual(Array.from({ length: 15 }, (_, i) => `echo: n${i}`));
      expect(new Set(served.slice(1))).toEqual(new Set(["second"]));
    } finally {
      await live.close();
    }
  });

  it("--help exits 0; an unknown command exits 2", async () => {
    expect((await run(["--help"])).code).toBe(0);
    expect((await run(["frobnicate", "--config", config])).code).toBe(2);
  });
});
