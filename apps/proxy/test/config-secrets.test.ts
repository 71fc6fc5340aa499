/**
 * Issue 11, item 7: a secret placed (through `${env:…}`) in a field that fails validation is never printed —
 * not by `modelmesh validate`, not in the hot-reload log line, not in POST /admin/reload's 422 body. The
 * error names the path and the reference (`${env:SECRET}`) instead. Real `modelmesh` child processes.
 */
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { bundleCli, runCliChild, ServeChild } from "./support/cli-child.js";

const SECRET = "sk-live-SUPERSECRET123";
const ADMIN = "tok-admin-config-secrets-0123456789";
const env = { SECRET, PROXY_ADMIN_TOKEN: ADMIN };

let cli: string;
let mock: MockProvider;
let dir: string;

beforeAll(async () => {
  cli = await bundleCli("config-secrets-test");
  mock = await startMockProvider();
  dir = await mkdtemp(join(tmpdir(), "modelmesh-config-secrets-"));
});
afterAll(async () => {
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

const provider = (config = "", entry = "") =>
  `providers:\n  local:\n    connector: openai-compatible\n${entry}    config:\n      base_url: "${mock.url}"\n      api_key: sk-test\n${config}    models:\n      - id: mock-model\n        capabilities: [chat-completion]\n`;
/** The `proxy` section: optional extra lines, and the admin token when `withAuth`. */
const proxySection = (extra: string, withAuth: boolean) =>
  extra === "" && !withAuth ? "" : `proxy:\n${extra}${withAuth ? '  auth:\n    tokens:\n      - { token: "${env:PROXY_ADMIN_TOKEN}", admin: true }\n' : ""}`;

/** Configs with `${env:SECRET}` in a field that fails: [label, sections, extra `proxy` lines, the paths reported]. */
const BAD: Array<[string, () => string, string, string[]]> = [
  [
    "a URL, an enum, a number and a duration (schema)",
    () => `${provider("", "    auth:\n      method: ${env:SECRET}\n").replace(`base_url: "${mock.url}"`, "base_url: ${env:SECRET}")}routing:\n  deadline: \${env:SECRET}\n`,
    "  port: ${env:SECRET}\n",
    ["providers.local.config.base_url", "providers.local.auth.method", "routing.deadline", "proxy.port"],
  ],
  ["a connector config pass-through the connector validates", () => provider("      stream_usage: ${env:SECRET}\n"), "", ["providers.local.config.stream_usage"]],
  ["the connector id", () => provider().replace("connector: openai-compatible", "connector: ${env:SECRET}"), "", ["providers.local.connector"]],
];

function expectSafe(text: string, paths: string[]): void {
  expect(text).not.toContain("SUPERSECRET");
  expect(text).toContain("${env:SECRET}");
  for (const path of paths) expect(text).toContain(path);
}

describe("secrets never appear in config errors", () => {
  it.each(BAD)("modelmesh validate: %s", async (label, sections, proxyExtra, paths) => {
    const file = join(dir, `validate-${label.replace(/\W+/g, "-")}.yaml`);
    await writeFile(file, sections() + proxySection(proxyExtra, false));
    const run = await runCliChild(cli, ["validate", "--config", file], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expectSafe(run.stderr, paths);
    expect(run.stdout).not.toContain("SUPERSECRET");
  });

  it("modelmesh validate: a valid config prints the reference, not the value, of a field it echoes", async () => {
    const file = join(dir, "validate-host.yaml");
    await writeFile(file, `${provider()}proxy:\n  host: \${env:SECRET}\n`);
    const run = await runCliChild(cli, ["validate", "--config", file], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("proxy: ${env:SECRET}:8080");
    expect(run.stdout + run.stderr).not.toContain("SUPERSECRET");
  });

  it("hot reload: the log line and POST /admin/reload's 422 body name the path and the reference", async () => {
    const file = join(dir, "serve.yaml");
    await writeFile(file, provider() + proxySection("", true));
    const serve = await ServeChild.start(cli, ["--config", file], { cwd: dir, env });
    try {
      for (const [, sections, proxyExtra, paths] of BAD) {
        const from = serve.stderr.length;
        await writeFile(`${file}.tmp`, sections() + proxySection(proxyExtra, true));
        await rename(`${file}.tmp`, file);
        const line = await serve.waitForLog(from, (l) => /^config reload(ed$| failed| refused)/.test(String(l.msg)));
        expect(line.msg).toBe("config reload failed; keeping the running config");
        expectSafe(String(line.error), paths);

        const response = await fetch(`${serve.url}/admin/reload`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
        expect(response.status).toBe(422);
        const body = await response.text();
        expectSafe(body, paths);
        expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
      }
      expect(serve.stderr + serve.stdout).not.toContain("SUPERSECRET");
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  });
});
