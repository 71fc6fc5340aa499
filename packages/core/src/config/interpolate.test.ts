import { describe, expect, it, vi } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { interpolateConfig, scanReferences, type SecretResolverContext } from "./interpolate.js";
import { loadConfig } from "./load.js";

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (ConfigError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("scanReferences", () => {
  it("splits literal text and references", () => {
    expect(scanReferences("http://${env:HOST}:${env:PORT:-8080}/v1")).toEqual({
      parts: ["http://", { kind: "env", name: "HOST" }, ":", { kind: "env", name: "PORT", fallback: "8080" }, "/v1"],
    });
    expect(scanReferences("Bearer ${secrets:proxy-key}")).toEqual({ parts: ["Bearer ", { kind: "secrets", name: "proxy-key" }] });
  });

  it("treats $${ as a literal ${", () => {
    expect(scanReferences("cost: $${env:X}")).toEqual({ parts: ["cost: ${env:X}"] });
  });

  it("reports unterminated and unknown references", () => {
    expect(scanReferences("${env:FOO")).toEqual({ error: "unterminated ${…} reference (missing })" });
    expect(scanReferences("${vault:x}")).toEqual({
      error: 'unknown reference "vault"; use ${env:NAME}, ${env:NAME:-default} or ${secrets:NAME}',
    });
    expect(scanReferences("${FOO}")).toHaveProperty("error");
    expect(scanReferences("${env:1BAD}")).toEqual({ error: "invalid environment variable name in ${env:…}" });
  });
});

describe("interpolation through loadConfig", () => {
  it("resolves env and secrets in nested and partial strings", async () => {
    const config = await loadConfig(
      {
        providers: {
          "my-proxy": {
            connector: "openai-compatible",
            config: {
              base_url: "http://${env:PROXY_HOST}:${env:PROXY_PORT}/v1",
              headers: { "x-team": "team-${env:TEAM}", list: ["a-${secrets:shared}", "plain"] },
              auth: { method: "api_key", api_key: "${secrets:proxy-key}" },
            },
          },
        },
        proxy: { port: "${env:LISTEN_PORT}", auth: { tokens: ["${secrets:shared}"] } },
      },
      {
        env: { PROXY_HOST: "10.0.0.5", PROXY_PORT: "8443", TEAM: "blue", LISTEN_PORT: "9000" },
        resolveSecret: async (name) => ({ "proxy-key": "sk-proxy-123", shared: "s3cr3t-shared" })[name],
      },
    );
    const provider = config.providers["my-proxy"]!;
    expect(provider.config.base_url).toBe("http://10.0.0.5:8443/v1");
    expect(provider.config.headers).toEqual({ "x-team": "team-blue", list: ["a-s3cr3t-shared", "plain"] });
    expect(provider.config.auth?.api_key).toBe("sk-proxy-123");
    expect(config.proxy.port).toBe(9000);
    expect(config.proxy.auth?.tokens).toEqual([{ token: "s3cr3t-shared" }]);
  });

  it("uses ${env:NAME:-default} when the variable is unset or empty", async () => {
    const config = await loadConfig("proxy:\n  host: ${env:HOST:-0.0.0.0}\n  port: ${env:PORT:-8181}\n", { env: { HOST: "" } });
    expect(config.proxy.host).toBe("0.0.0.0");
    expect(config.proxy.port).toBe(8181);
  });

  it("resolves each secret once and passes the resolved secrets section to the resolver", async () => {
    const resolveSecret = vi.fn(async (name: string, _context: SecretResolverContext) => `value-of-${name}`);
    const config = await loadConfig(
      {
        secrets: { store: "modelmesh.dotenv.v1", path: "${env:DOTENV_PATH}", cache_ttl: "5m" },
        providers: {
          a: { config: { api_key: "${secrets:KEY}" } },
          b: { config: { api_key: "${secrets:KEY}", org: "${secrets:ORG}" } },
        },
      },
      { env: { DOTENV_PATH: "/etc/mesh/.env" }, resolveSecret },
    );
    expect(resolveSecret).toHaveBeenCalledTimes(2);
    expect(resolveSecret.mock.calls[0]![1]).toEqual({
      secrets: { store: "modelmesh.dotenv.v1", path: "/etc/mesh/.env", cache_ttl: 300_000 },
    });
    expect(config.secrets.path).toBe("/etc/mesh/.env");
    expect(config.providers.b!.config.org).toBe("value-of-ORG");
  });

  it("reads secrets from the environment with the default env store", async () => {
    const config = await loadConfig({ providers: { openai: { config: { api_key: "${secrets:OPENAI_API_KEY}" } } } }, { env: { OPENAI_API_KEY: "sk-env" } });
    expect(config.providers.openai!.config.api_key).toBe("sk-env");
  });

  it("does not modify the input object", async () => {
    const input = { providers: { openai: { config: { api_key: "${env:K}" } } } };
    await loadConfig(input, { env: { K: "v" } });
    expect(input.providers.openai.config.api_key).toBe("${env:K}");
  });
});

describe("interpolation errors", () => {
  it("names the path of every missing env var and secret, code MM_SECRET_MISSING", async () => {
    const error = await configError(
      loadConfig(
        {
          providers: {
            groq: { config: { api_key: "${env:GROQ_API_KEY}" } },
            local: { config: { base_url: "${env:LOCAL_URL}" } },
            openai: { config: { api_key: "${secrets:OPENAI_API_KEY}" } },
          },
        },
        { env: {}, resolveSecret: async () => undefined },
      ),
    );
    expect(error.code).toBe("MM_SECRET_MISSING");
    expect(error.issues).toEqual([
      { path: "providers.groq.config.api_key", message: "environment variable GROQ_API_KEY is not set" },
      { path: "providers.local.config.base_url", message: "environment variable LOCAL_URL is not set" },
      { path: "providers.openai.config.api_key", message: 'secret "OPENAI_API_KEY" was not found in store modelmesh.env.v1' },
    ]);
  });

  it("never puts a resolved value into the error", async () => {
    const secret = "sk-live-TOPSECRET-9f8e7d";
    const error = await configError(
      loadConfig(
        "providers:\n  a:\n    config:\n      api_key: ${secrets:good}\n      base_url: ${secrets:url}\n  b:\n    config:\n      api_key: ${secrets:missing}\nproxy:\n  port: ${env:API_TOKEN}\n",
        {
          env: { API_TOKEN: "tok-ENVSECRET-1234" },
          resolveSecret: async (name) => ({ good: secret, url: `not a url ${secret}` })[name],
        },
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["providers.a.config.base_url", "providers.b.config.api_key", "proxy.port"]);
    expect(error.issues[0]).toMatchObject({ message: "expected a URL (value from ${secrets:url})", line: 5 });
    expect(error.message).not.toContain("TOPSECRET");
    expect(error.message).not.toContain("ENVSECRET");
    expect(JSON.stringify(error.issues)).not.toContain("TOPSECRET");
    expect(JSON.stringify(error.issues)).not.toContain("ENVSECRET");
  });

  it("rejects ${secrets:…} inside the secrets section and unknown or unterminated references", async () => {
    const error = await configError(
      loadConfig(
        { secrets: { store: "modelmesh.dotenv.v1", path: "${secrets:p}" }, providers: { x: { config: { a: "${env:A", b: "${vault:b}" } } } },
        { env: {} },
      ),
    );
    expect(error.code).toBe("MM_CONFIG_INVALID");
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      ["providers.x.config.a", "unterminated ${…} reference (missing })"],
      ["providers.x.config.b", 'unknown reference "vault"; use ${env:NAME}, ${env:NAME:-default} or ${secrets:NAME}'],
      ["secrets.path", "the secrets section may only use ${env:…} references"],
    ]);
  });

  it("needs a resolver for stores other than the env store", async () => {
    const error = await configError(
      loadConfig({ secrets: { store: "modelmesh.dotenv.v1" }, providers: { x: { config: { api_key: "${secrets:K}" } } } }, { env: { K: "v" } }),
    );
    expect(error.issues).toEqual([
      { path: "providers.x.config.api_key", message: 'secret "K" cannot be resolved: no secret resolver was given for store modelmesh.dotenv.v1' },
    ]);
  });

  it("reports a failing store with the cause, and MM_SECRET_MISSING rejections as not found", async () => {
    const storeError = new Error("connection refused");
    const error = await configError(
      loadConfig(
        { providers: { x: { config: { a: "${secrets:broken}", b: "${secrets:absent}" } } } },
        {
          resolveSecret: async (name) => {
            if (name === "broken") throw storeError;
            throw Object.assign(new Error("missing"), { code: "MM_SECRET_MISSING" });
          },
        },
      ),
    );
    expect(error.code).toBe("MM_CONFIG_INVALID");
    expect(error.cause).toBe(storeError);
    expect(error.issues).toEqual([
      { path: "providers.x.config.a", message: 'secret "broken" could not be resolved: the secret store modelmesh.env.v1 failed (see cause)' },
      { path: "providers.x.config.b", message: 'secret "absent" was not found in store modelmesh.env.v1' },
    ]);
  });

  it("interpolateConfig returns the unresolved paths and leaves their text as written", async () => {
    const result = await interpolateConfig({ a: ["${env:NOPE}", "${env:YES}"] }, { env: { YES: "y" } });
    expect(result.value).toEqual({ a: ["${env:NOPE}", "y"] });
    expect(result.unresolved).toEqual([["a", 0]]);
    expect(result.issues).toEqual([{ path: ["a", 0], message: "environment variable NOPE is not set", missing: true }]);
  });
});
