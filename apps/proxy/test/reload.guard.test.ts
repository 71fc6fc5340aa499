/**
 * Issue 11, item 1: a reload never fails open. A real `modelmesh serve` child with `proxy.auth` on; its config
 * file is overwritten with empty, comment-only, auth-removed and auth-disabled content. The running config
 * stays (the admin endpoints still need the token), the log says why, and POST /admin/reload answers 422 /
 * 409 with the reason. With `--allow-auth-downgrade` the downgrade is applied.
 */
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { bundleCli, runCliChild, ServeChild } from "./support/cli-child.js";

const ADMIN = "tok-admin-reload-guard-0123456789";
const ROTATED = "tok-admin-rotated-9876543210";

let cli: string;
let mock: MockProvider;
let dir: string;

beforeAll(async () => {
  cli = await bundleCli("reload-guard-test");
  mock = await startMockProvider();
  dir = await mkdtemp(join(tmpdir(), "modelmesh-reload-guard-"));
});
afterAll(async () => {
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

const providers = () => `providers:\n  local:\n    connector: openai-compatible\n    config: { base_url: "${mock.url}", api_key: sk-test }\n    models:\n      - id: mock-model\n        capabilities: [chat-completion]\npools:\n  chat:\n    capability: chat-completion\n`;
const withAuth = (token = ADMIN) => `${providers()}proxy:\n  auth:\n    tokens:\n      - { token: "${token}", admin: true }\n`;

const adminState = (url: string, token?: string) => fetch(`${url}/admin/state`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const adminReload = async (url: string, token: string) => {
  const response = await fetch(`${url}/admin/reload`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { ok: boolean; error?: string; code?: string } };
};

/** The log line of a reload's outcome: applied, failed or refused. */
const OUTCOME = /^config reload(ed$| failed| refused)/;

/**
 * Saves the file the way editors do (a new file renamed over it, so the watcher never reads half a write) and
 * waits for the watcher's reload outcome in the log.
 */
async function saveAndWait(serve: ServeChild, file: string, text: string): Promise<Record<string, unknown>> {
  const from = serve.stderr.length;
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  return serve.waitForLog(from, (line) => OUTCOME.test(String(line.msg)));
}

describe("modelmesh serve: a reload never weakens auth or empties the mesh", () => {
  it("empty, comment-only, auth-removed and auth-disabled files are refused; the token is still required; the log says why", async () => {
    const file = join(dir, "guarded.yaml");
    await writeFile(file, withAuth());
    const serve = await ServeChild.start(cli, ["--config", file], { cwd: dir });
    try {
      expect((await adminState(serve.url)).status).toBe(401);
      expect((await adminState(serve.url, ADMIN)).status).toBe(200);

      for (const text of ["", "# nothing here any more\n# (a save caught half-way)\n"]) {
        const line = await saveAndWait(serve, file, text);
        expect(line.msg).toBe("config reload failed; keeping the running config");
        expect(line.error).toContain(file);
        expect(line.error).toMatch(/providers: no provider is configured/);
        expect((await adminState(serve.url)).status).toBe(401);
        expect((await adminState(serve.url, ADMIN)).status).toBe(200);
        const onDemand = await adminReload(serve.url, ADMIN);
        expect(onDemand.status).toBe(422);
        expect(onDemand.body).toMatchObject({ ok: false, code: "invalid_config" });
        expect(onDemand.body.error).toMatch(/providers: no provider is configured/);
      }

      const cases: Array<[string, RegExp]> = [
        [providers(), /proxy\.auth is absent/],
        [`${providers()}proxy:\n  auth:\n    enabled: false\n    tokens: ["${ADMIN}"]\n`, /proxy\.auth\.enabled is false/],
      ];
      for (const [text, why] of cases) {
        const line = await saveAndWait(serve, file, text);
        expect(line.msg).toBe("config reload refused: it would turn off proxy.auth; keeping the running config");
        expect(line.error).toMatch(why);
        expect(line.error).toContain("--allow-auth-downgrade");
        expect((await adminState(serve.url)).status).toBe(401);
        const models = await fetch(`${serve.url}/v1/models`);
        expect(models.status).toBe(401);
        const onDemand = await adminReload(serve.url, ADMIN);
        expect(onDemand.status).toBe(409);
        expect(onDemand.body).toMatchObject({ ok: false, code: "auth_downgrade" });
        expect(onDemand.body.error).toMatch(why);
      }

      // Rotating the token by reload is not a downgrade: it is applied.
      const rotated = await saveAndWait(serve, file, withAuth(ROTATED));
      expect(rotated.msg).toBe("config reloaded");
      expect((await adminState(serve.url, ADMIN)).status).toBe(401);
      expect((await adminState(serve.url, ROTATED)).status).toBe(200);
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  });

  it("with --allow-auth-downgrade the downgrade is applied, with a warning; an empty file is still refused", async () => {
    const file = join(dir, "allowed.yaml");
    await writeFile(file, withAuth());
    const serve = await ServeChild.start(cli, ["--config", file, "--allow-auth-downgrade"], { cwd: dir });
    try {
      await serve.waitForText(0, /--allow-auth-downgrade: a config reload may turn proxy\.auth off/);
      const empty = await saveAndWait(serve, file, "");
      expect(empty.msg).toBe("config reload failed; keeping the running config");
      expect((await adminState(serve.url)).status).toBe(401);

      const from = serve.stderr.length;
      const line = await saveAndWait(serve, file, providers());
      expect(line.msg).toBe("config reloaded");
      const warning = serve.logLinesSince(from).find((l) => l.level === "warn" && /turns off proxy\.auth/.test(String(l.msg)));
      expect(warning).toMatchObject({ msg: "config reload turns off proxy.auth (allowed by --allow-auth-downgrade)" });
      expect((await adminState(serve.url)).status).toBe(200);
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  });

  it("serve and validate refuse a config without an enabled provider, naming providers", async () => {
    for (const [name, text, message] of [
      ["empty.yaml", "", "providers: no provider is configured"],
      ["comments.yaml", "# only a comment\n", "providers: no provider is configured"],
      ["disabled.yaml", `${providers().replace("connector: openai-compatible", "connector: openai-compatible\n    enabled: false")}`, "providers: every provider is disabled"],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, text);
      const validate = await runCliChild(cli, ["validate", "--config", file], { cwd: dir });
      expect(validate.code, validate.stderr).toBe(1);
      expect(validate.stderr).toContain(`[modelmesh] [${file}] ${message}`);
      const serve = await runCliChild(cli, ["serve", "--config", file, "--port", "0"], { cwd: dir });
      expect(serve.code, serve.stderr).toBe(1);
      expect(serve.stderr).toContain(message);
    }
  });

  it("serve --help documents --allow-auth-downgrade", async () => {
    const help = await runCliChild(cli, ["serve", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--allow-auth-downgrade\s+let a reload turn proxy\.auth off/);
  });
});
