/**
 * The packaged proxy (item 7): scripts/build-bundle.mjs builds the self-contained folder with a chosen
 * third-party connector (the `@acme/modelmesh-connector-echo` template) and a config, the folder is run with
 * plain `node` from a temp directory outside the workspace (so nothing can be resolved from the repo's
 * node_modules), and the official `openai` SDK talks to it in front of the mock upstream. Docker cannot run
 * on this machine, so the Dockerfile is checked to copy exactly that folder and start it the same way.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle, parseConnectorSpec, type BuildBundleResult } from "../scripts/build-bundle.mjs";

const PROXY_DIR = fileURLToPath(new URL("..", import.meta.url));
const ECHO_ENTRY = fileURLToPath(new URL("../../../examples/acme-modelmesh-connector-echo/src/index.ts", import.meta.url));
const TOKEN = "bundle-test-token";

const CONFIG = `# packaged by the bundle test
proxy:
  auth:
    tokens: ["\${env:PROXY_TOKEN}"]
connectors:
  packages: ["@acme/modelmesh-connector-echo"]
providers:
  mock:
    connector: openai-compatible
    config: { base_url: "\${env:UPSTREAM_URL}", api_key: sk-mock }
    models:
      - { id: mock-model, capabilities: [chat-completion] }
  acme:
    connector: acme.echo.v1
    config: { base_url: "\${env:UPSTREAM_URL}", api_key: sk-acme, system_prompt: "answer like a pirate" }
    models:
      - { id: mock-model, capabilities: [chat-completion] }
pools:
  chat:
    capability: chat-completion
    provider_priority: [mock]
`;

/** Starts `node server.mjs serve` in the bundle folder; resolves with the URL it prints. */
function serve(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ["server.mjs", "serve", "--config", "modelmesh.yaml", "--port", "0"], {
    cwd: dir,
    // A bare environment: no NODE_PATH, no NODE_OPTIONS, nothing from the workspace.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bundle did not start within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the bundle exited with ${code} before listening:\n${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("proxy bundle (scripts/build-bundle.mjs)", () => {
  let work: string;
  let out: string;
  let mock: MockProvider;
  let server: { child: ChildProcess; url: string; output: () => string };
  let client: OpenAI;
  let built: BuildBundleResult;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "modelmesh-bundle-"));
    out = join(work, "dist-bundle");
    mock = await startMockProvider({ models: [{ id: "mock-model" }] });
    writeFileSync(join(work, "modelmesh.yaml"), CONFIG);
    const env = { UPSTREAM_URL: mock.url, PROXY_TOKEN: TOKEN };
    built = await buildBundle({
      config: join(work, "modelmesh.yaml"),
      connectors: [`@acme/modelmesh-connector-echo=${ECHO_ENTRY}`],
      out,
      cwd: PROXY_DIR,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    server = await serve(out, env);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGKILL");
      await exited(server.child);
    }
    await mock?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("produces exactly the self-contained folder: server, config, bundled connector, minimal package.json", () => {
    expect(readdirSync(out).sort()).toEqual(["modelmesh.yaml", "node_modules", "package.json", "server.mjs"]);
    expect(readdirSync(join(out, "node_modules", "@acme", "modelmesh-connector-echo")).sort()).toEqual(["index.mjs", "package.json"]);
    expect(readFileSync(join(out, "modelmesh.yaml"), "utf8")).toBe(CONFIG);
    const manifest = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
    expect(manifest).toMatchObject({ type: "module", private: true, bin: { modelmesh: "./server.mjs" }, modelmesh: { config: "modelmesh.yaml", connectors: ["@acme/modelmesh-connector-echo@0.1.0"] } });
    expect(manifest.dependencies).toBeUndefined();
  });

  it("leaves nothing to resolve at run time but Node built-ins (and an optional native accelerator)", () => {
    expect(Object.keys(built.externals).sort()).toEqual(["node_modules/@acme/modelmesh-connector-echo/index.mjs", "server.mjs"]);
    for (const [file, externals] of Object.entries(built.externals)) {
      // `node:` covers built-ins newer than this Node (undici loads node:sqlite lazily, for an opt-in cache);
      // msgpackr loads msgpackr-extract, and @redis/client @node-rs/xxhash, inside try/catch and work without them.
      expect(externals.filter((s) => !s.startsWith("node:") && !isBuiltin(s) && !["msgpackr-extract", "@node-rs/xxhash"].includes(s)), file).toEqual([]);
    }
  });

  it("serves health and the configured pool from a temp folder with plain node", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("chat");
  });

  it("answers a chat and a stream through the bundled proxy", async () => {
    const reply = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hello bundle" }] });
    expect(reply.choices[0]?.message.content).toBe("echo: hello bundle");
    let text = "";
    const stream = await client.chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "stream through the bundle" }] });
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("echo: stream through the bundle");
  });

  it("loads the packaged third-party connector through connectors.packages", async () => {
    const before = mock.calls.length;
    const reply = await client.chat.completions.create({ model: "acme.mock-model", messages: [{ role: "user", content: "ahoy" }] });
    expect(reply.choices[0]?.message.content).toBe("echo: ahoy");
    const call = mock.calls.slice(before).find((c) => c.status === 200)!;
    // The echo connector adds its house system prompt: proof that the bundled acme.echo.v1 made the call.
    expect(JSON.stringify(call.body)).toContain("answer like a pirate");
  });

  it("stops gracefully on SIGTERM", async () => {
    server.child.kill("SIGTERM");
    expect(await exited(server.child)).toBe(0);
  });

  it("refuses to empty a folder that is not a fresh output folder, and rejects bad connector specs", async () => {
    await expect(buildBundle({ config: join(work, "modelmesh.yaml"), out: PROXY_DIR, check: false })).rejects.toThrow(/refusing to empty/);
    await expect(buildBundle({ config: join(work, "missing.yaml"), out: join(work, "x"), check: false })).rejects.toThrow(/does not exist/);
    expect(() => parseConnectorSpec("not a name")).toThrow(/not a package name/);
    expect(parseConnectorSpec("@a/b=./x", "/base")).toEqual({ name: "@a/b", path: "/base/x" });
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(PROXY_DIR, "Dockerfile"), "utf8");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() && !line.trimStart().startsWith("#"));

  it("copies exactly the bundle folder and nothing else", () => {
    const copies = instructions.filter((line) => /^(COPY|ADD)\b/.test(line));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^COPY\b.*\sdist-bundle\/\s+\/app\/$/);
    const ignore = readFileSync(join(PROXY_DIR, ".dockerignore"), "utf8");
    expect(ignore).toMatch(/^\*$/m);
    expect(ignore).toMatch(/^!dist-bundle\/$/m);
    expect(instructions.some((line) => /^RUN\b/.test(line))).toBe(false); // no install step: the bundle is complete
  });

  it("starts the bundle the way the test above runs it, as a non-root user", () => {
    expect(instructions).toContain('ENTRYPOINT ["node", "/app/server.mjs"]');
    expect(instructions).toContain('CMD ["serve", "--config", "/app/modelmesh.yaml", "--host", "0.0.0.0", "--port", "8080"]');
    expect(instructions).toContain("USER node");
    expect(instructions.find((line) => line.startsWith("FROM "))).toMatch(/^FROM node:20/);
  });
});

