/**
 * A user's project: the packed tarballs installed with npm into a fresh folder (third-party dependencies from the
 * registry), then used the way users use them — the README quick start as a plain `node` script, `npx modelmesh`
 * (help, init, serve answering a chat through a local mock upstream), a provider package named by its connector
 * alias, a third-party connector named by package, `@modelmesh/testing` without vitest, and a TypeScript
 * program type-checked under strict defaults without skipLibCheck.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { ROOT } from "./support/packages.js";

const exec = promisify(execFile);
const packed = inject("packed");
const tarball = (name: string) => {
  const found = packed.find((pkg) => pkg.name === name);
  if (!found) throw new Error(`${name} was not packed`);
  return `file:${found.tarball}`;
};

let dir: string;
let mock: MockProvider;
let cohere: Server;
let cohereUrl: string;
const children: ChildProcess[] = [];

/** Runs a command in the project; resolves with its exit code and output, never throws on a non-zero exit. */
async function inProject(command: string, args: string[], env: Record<string, string> = {}, timeout = 60_000) {
  return exec(command, args, { cwd: dir, env: { ...baseEnv(), ...env }, timeout, maxBuffer: 32 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === "number" ? error.code : 1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );
}

/** A user's environment: PATH and HOME, no provider key, no pnpm or workspace variables. */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "npm_config_cache", "NPM_CONFIG_REGISTRY", "npm_config_registry"];
  return Object.fromEntries(keep.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]!]));
}

/** A Cohere v2 chat endpoint answering every chat with one fixed message (the wire shape of api.cohere.com/v2/chat). */
async function startCohere(): Promise<void> {
  cohere = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v2/chat" || req.headers.authorization !== "Bearer co-test-key") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: `unexpected ${req.method} ${req.url}` }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ id: "co-1", finish_reason: "COMPLETE", message: { role: "assistant", content: [{ type: "text", text: "hello from cohere" }] }, usage: { tokens: { input_tokens: 3, output_tokens: 3 } } }),
      );
    });
  });
  await new Promise<void>((resolve) => cohere.listen(0, "127.0.0.1", resolve));
  const address = cohere.address();
  cohereUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "mock-1" }] });
  await startCohere();
  dir = await mkdtemp(join(tmpdir(), "modelmesh-consumer-"));
  const ours = packed.filter((pkg) => !pkg.private || pkg.name === "@acme/modelmesh-connector-echo");
  const direct = ["modelmesh", "@modelmesh/proxy", "@modelmesh/provider-cohere", "@modelmesh/ai-sdk", "@modelmesh/testing", "@acme/modelmesh-connector-echo"];
  const manifest = {
    name: "modelmesh-consumer",
    private: true,
    type: "module",
    dependencies: Object.fromEntries(direct.map((name) => [name, tarball(name)])),
    devDependencies: { typescript: "6.0.3", "@types/node": "20.19.43" },
    // Every ModelMesh package comes from its tarball, as it would from the registry after publishing.
    overrides: Object.fromEntries(ours.map((pkg) => [pkg.name, tarball(pkg.name)])),
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const install = await inProject("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], {}, 540_000);
  if (install.code !== 0) throw new Error(`npm install failed (${install.code}):\n${install.stderr.slice(-4000)}`);
  await writeFile(
    join(dir, "modelmesh.yaml"),
    `providers:\n  local:\n    connector: openai-compatible\n    config: { base_url: "${mock.url}", api_key: sk-local }\n    models: [{ id: mock-1, capabilities: [chat-completion] }]\npools:\n  chat: { capability: chat-completion }\n`,
  );
}, 600_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  await mock?.close();
  await new Promise<void>((resolve) => (cohere ? cohere.close(() => resolve()) : resolve()));
  if (dir && !process.env.MODELMESH_KEEP_CONSUMER) await rm(dir, { recursive: true, force: true });
  else if (dir) console.log(`consumer project kept: ${dir}`);
});

describe("installed from the tarballs with npm", () => {
  it("the modelmesh README quick start runs as a plain node script and exits by itself", async () => {
    const readme = readFileSync(join(ROOT, "packages/modelmesh/README.md"), "utf8");
    const quickStart = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(quickStart).toContain('create("chat-completion")');
    await writeFile(join(dir, "quick-start.mjs"), quickStart!);
    const result = await inProject("node", ["quick-start.mjs"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    // The answer (the mock echoes the last user message), the route, then the streamed answer.
    expect(result.stdout).toMatch(/^echo: Hello! local\/local\.mock-1\necho: Count to 5$/);
    expect(mock.calls.filter((call) => call.path.endsWith("/chat/completions")).length).toBeGreaterThanOrEqual(2);
  });

  it("a provider package from its tarball answers by its connector alias, loaded because it is installed", async () => {
    await writeFile(join(dir, "cohere.yaml"), `providers:\n  co:\n    connector: cohere\n    config: { api_key: co-test-key, base_url: "${cohereUrl}" }\npools:\n  chat: { capability: chat-completion }\n`);
    await writeFile(
      join(dir, "cohere.mjs"),
      `import { create } from "modelmesh";\nconst client = create({ config: "cohere.yaml", pool: "chat" });\nconst answer = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] });\nconsole.log(answer.choices[0].message.content);\n`,
    );
    const result = await inProject("node", ["cohere.mjs"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("hello from cohere");
  });

  it("a third-party connector named by package in `connector:` answers", async () => {
    await writeFile(
      join(dir, "echo.yaml"),
      `providers:\n  acme:\n    connector: "@acme/modelmesh-connector-echo"\n    config:\n      base_url: "${mock.url}"\n      system_prompt: "You are Acme's assistant."\n      models: [{ id: mock-1, capabilities: [chat-completion] }]\npools:\n  chat: { capability: chat-completion }\n`,
    );
    await writeFile(
      join(dir, "echo.mjs"),
      `import { create, getTrace } from "modelmesh";\nconst client = create({ config: "echo.yaml", pool: "chat" });\nconst answer = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "ping" }] });\nconsole.log(answer.choices[0].message.content, getTrace(answer)?.final?.routeId);\n`,
    );
    const before = mock.calls.length;
    const result = await inProject("node", ["echo.mjs"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("echo: ping acme/acme.mock-1");
    const call = mock.calls.slice(before).find((c) => c.path.endsWith("/chat/completions"));
    expect(JSON.stringify(call?.body)).toContain("You are Acme's assistant.");
  });

  it("npx modelmesh: --help, init from the environment, and serve answering a chat through the mock upstream", async () => {
    const help = await inProject("npx", ["--no-install", "modelmesh", "serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/modelmesh serve \[--config FILE\]/);
    const init = await inProject("npx", ["--no-install", "modelmesh", "init", "--stdout"], { OPENAI_API_KEY: "sk-consumer-secret-1234" });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("${env:OPENAI_API_KEY}");
    expect(init.stdout + init.stderr).not.toContain("sk-consumer-secret-1234");

    // Its own process group, stopped the way a terminal's Ctrl-C or a container stop reaches it: the whole group
    // (npx does not pass a SIGTERM sent to it alone on to the command it runs).
    const child = spawn("npx", ["--no-install", "modelmesh", "serve", "--config", "modelmesh.yaml", "--port", "0", "--no-watch"], { cwd: dir, env: baseEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    children.push(child);
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
      child.stdout!.on("data", () => {
        const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
    });
    const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "through the proxy" }] }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe("echo: through the proxy");
    // "close": every process holding the output pipes (npx and the CLI under it) has ended.
    const closed = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    process.kill(-child.pid!, "SIGTERM");
    const end = await closed;
    expect(out).toMatch(/SIGTERM received, shutting down gracefully/);
    expect(end.code === 0 || end.signal === "SIGTERM").toBe(true);
  });

  it("@modelmesh/testing loads without vitest: import and require (vitest is not installed)", async () => {
    expect((await inProject("node", ["-e", "require.resolve('vitest')"])).code).not.toBe(0);
    const esm = await inProject("node", ["--input-type=module", "-e", "const t = await import('@modelmesh/testing'); console.log(typeof t.providerConformance, typeof t.describeProviderConformance)"]);
    expect(esm.stderr).toBe("");
    expect(esm.stdout.trim()).toBe("object function");
    const cjs = await inProject("node", ["-e", "const t = require('@modelmesh/testing'); try { t.describeProviderConformance('x', {}) } catch (e) { console.log(e.message) }"]);
    expect(cjs.stdout).toMatch(/need vitest, which cannot be required/);
  });

  it("a TypeScript program over the public packages type-checks under strict defaults, without skipLibCheck", async () => {
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "nodenext", noEmit: true }, files: ["app.ts"] }, null, 2));
    await writeFile(
      join(dir, "app.ts"),
      [
        'import { create, getTrace, type MeshClient } from "modelmesh";',
        'import { createModelMesh } from "@modelmesh/ai-sdk";',
        'import { connector as cohere } from "@modelmesh/provider-cohere";',
        'import { providerConformance } from "@modelmesh/testing";',
        'import { startMockProvider } from "@modelmesh/testing/server";',
        'import { createMesh, ConnectorRegistry } from "@modelmesh/core";',
        "",
        'const client: MeshClient = create("chat-completion");',
        'const answer = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "hi" }] });',
        "const text: string | null = answer.choices[0]!.message.content;",
        "const route: string | undefined = getTrace(answer)?.final?.routeId;",
        'const model = createModelMesh({ client })("chat");',
        "const registry = new ConnectorRegistry({ connectors: [cohere] });",
        'const mesh = await createMesh("providers: {}", { registry });',
        "const mock = await startMockProvider({});",
        "console.log(text, route, model.modelId, typeof providerConformance, mock.url);",
        "await mesh.close();",
        "await mock.close();",
        "await client.close();",
        "",
      ].join("\n"),
    );
    const result = await inProject(join(dir, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], {}, 180_000);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

