/**
 * Configuration and credentials, against the recording server: config keys (and env fallbacks) take effect
 * or fail with errors naming the key; API keys skip signing; a credentials provider is called per request and
 * cached until expiry; no secret is ever printed.
 */
import { ConfigError, type ChatCompletion } from "@modelmesh/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BedrockProvider, connector, createBedrockProvider } from "../src/index.js";
import { fixedClock, fixture } from "./support/fixtures.js";
import { startRecordingServer, type RecordingServer } from "./support/recording-server.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEtoken-0123456789";
const API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleQ==";
const MODEL = "amazon.nova-pro-v1:0";
const ask = { model: MODEL, messages: [{ role: "user" as const, content: "hi" }] };

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer({ json: fixture("converse-text.json") });
});
afterAll(async () => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.reply({ json: fixture("converse-text.json") });
});

function configError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("region picks the default endpoint; base_url overrides it; region may come from the endpoint or the env", () => {
    expect((createBedrockProvider({ region: "eu-central-1", api_key: API_KEY }, { env: {} }) as unknown as { config: { baseUrl: string } }).config.baseUrl).toBe("https://bedrock-runtime.eu-central-1.amazonaws.com");
    expect(createBedrockProvider({ base_url: "https://bedrock-runtime.ap-southeast-2.amazonaws.com", api_key: API_KEY }, { env: {} }).region).toBe("ap-southeast-2");
    expect(createBedrockProvider({ api_key: API_KEY }, { env: { AWS_REGION: "us-west-2" } }).region).toBe("us-west-2");
    expect(createBedrockProvider({ api_key: API_KEY }, { env: { AWS_DEFAULT_REGION: "eu-west-3" } }).region).toBe("eu-west-3");
  });

  it("missing or bad region, partial or doubled credentials: config errors naming the keys, never the values", () => {
    expect(configError(() => createBedrockProvider({ access_key_id: "AKIDEXAMPLE", secret_access_key: SECRET }, { env: {} })).issues).toEqual([expect.objectContaining({ path: "config.region" })]);
    expect(configError(() => createBedrockProvider({ region: "narnia" }, { env: {} })).issues[0]).toMatchObject({ path: "config.region", message: expect.stringContaining("us-east-1") });
    const partial = configError(() => createBedrockProvider({ region: "us-east-1", access_key_id: "AKIDEXAMPLE" }, { env: {} }));
    expect(partial.issues).toEqual([{ path: "config.secret_access_key", message: "required with access_key_id (set both, or neither)" }]);
    const other = configError(() => createBedrockProvider({ region: "us-east-1", secret_access_key: SECRET, session_token: TOKEN }, { env: {} }));
    expect(other.issues.map((issue) => issue.path)).toEqual(["config.access_key_id"]);
    expect(other.message).not.toContain(SECRET);
    const both = configError(() => createBedrockProvider({ region: "us-east-1", api_key: API_KEY, access_key_id: "AKIDEXAMPLE", secret_access_key: SECRET }, { env: {} }));
    expect(both.issues[0]!.path).toBe("config.api_key");
    expect(both.message).not.toContain(API_KEY);
    const none = configError(() => createBedrockProvider({ region: "us-east-1" }, { env: {} }));
    expect(none.message).toMatch(/access_key_id and secret_access_key .*AWS_ACCESS_KEY_ID.*api_key.*AWS_BEARER_TOKEN_BEDROCK/);
    const envPartial = configError(() => createBedrockProvider({ region: "us-east-1" }, { env: { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE" } }));
    expect(envPartial.issues[0]!.path).toBe("env.AWS_SECRET_ACCESS_KEY");
    const unknown = configError(() => createBedrockProvider({ region: "us-east-1", api_key: API_KEY, profile: "default" }, { env: {} }));
    expect(unknown.issues[0]).toMatchObject({ path: "config.profile", message: expect.stringContaining("unknown key") });
  });

  it("the connector's schema rejects the same bad blocks", () => {
    expect(connector.configSchema!.safeParse({ region: "us-east-1", organization: "x" }).success).toBe(false);
    expect(connector.configSchema!.safeParse({ region: "us-east-1", access_key_id: "A", secret_access_key: "B", models: [{ id: MODEL }] }).success).toBe(true);
    expect(connector.id).toBe("aws.bedrock.v1");
    expect(connector.aliases).toEqual(["bedrock", "aws-bedrock"]);
  });

  it("headers and timeout from the block take effect", async () => {
    const provider = createBedrockProvider({ base_url: server.url, region: "us-east-1", api_key: API_KEY, headers: { "X-Team": "search" } }, { env: {} });
    await provider.complete(ask);
    expect(server.requests[0]!.headers["x-team"]).toBe("search");
    expect((provider as unknown as { config: { timeoutMs?: number } }).config.timeoutMs).toBeUndefined();
    const timed = createBedrockProvider({ base_url: server.url, region: "us-east-1", api_key: API_KEY, timeout: "30s" }, { env: {} });
    expect((timed as unknown as { config: { timeoutMs?: number } }).config.timeoutMs).toBe(30_000);
  });
});

describe("credentials", () => {
  it("an API key (config or AWS_BEARER_TOKEN_BEDROCK) is sent as a bearer token, without SigV4", async () => {
    for (const provider of [
      createBedrockProvider({ base_url: server.url, region: "us-east-1", api_key: API_KEY }, { env: {} }),
      createBedrockProvider({ base_url: server.url, region: "us-east-1" }, { env: { AWS_BEARER_TOKEN_BEDROCK: API_KEY, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: SECRET } }),
    ]) {
      await provider.complete(ask);
      const sent = server.requests.at(-1)!;
      expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(sent.headers["x-amz-date"]).toBeUndefined();
    }
  });

  it("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN sign the request", async () => {
    const provider = createBedrockProvider({ base_url: server.url, region: "eu-west-1" }, { env: { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN }, clock: fixedClock(Date.UTC(2026, 1, 2, 3, 4, 5)) });
    await provider.complete(ask);
    const sent = server.requests.at(-1)!;
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDENV\/20260202\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(sent.headers["x-amz-date"]).toBe("20260202T030405Z");
    expect(sent.headers["x-amz-security-token"]).toBe(TOKEN);
  });

  it("a credentials provider is called per request, cached until shortly before expiration, and shared by concurrent calls", async () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 0);
    let calls = 0;
    const provider = new BedrockProvider({
      baseUrl: server.url,
      region: "us-east-1",
      clock: { now: () => now, setTimer: fixedClock(0).setTimer },
      credentials: async () => {
        calls += 1;
        return { accessKeyId: `AKIDROTATED${calls}`, secretAccessKey: SECRET, sessionToken: `${TOKEN}-${calls}`, expiration: new Date(now + 10 * 60_000) };
      },
    });
    await Promise.all([provider.complete(ask), provider.complete(ask)]);
    expect(calls).toBe(1);
    now += 5 * 60_000;
    await provider.complete(ask);
    expect(calls).toBe(1);
    now += 4.5 * 60_000; // within a minute of expiry: refreshed
    await provider.complete(ask);
    expect(calls).toBe(2);
    expect(server.requests.at(-1)!.headers.authorization).toContain("Credential=AKIDROTATED2/");
    expect(server.requests.at(-1)!.headers["x-amz-security-token"]).toBe(`${TOKEN}-2`);
  });

  it("a failing credentials provider is an auth error that does not quote it", async () => {
    const provider = createBedrockProvider({ base_url: server.url, region: "us-east-1" }, {
      env: {},
      credentials: async () => {
        throw new Error(`could not read ${SECRET}`);
      },
    });
    const error = (await provider.complete(ask).catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: "MM_AUTH", category: "auth", retryable: false });
    expect(error.message).not.toContain(SECRET);
    const empty = new BedrockProvider({ baseUrl: server.url, region: "us-east-1", credentials: async () => ({ accessKeyId: "", secretAccessKey: "" }) });
    await expect(empty.complete(ask)).rejects.toMatchObject({ message: expect.stringContaining("no accessKeyId / secretAccessKey") });
    expect(server.requests).toHaveLength(0);
  });

  it("an upstream error that echoes the secret key or session token never prints them", async () => {
    server.reply({ status: 403, headers: { "x-amzn-errortype": "InvalidSignatureException" }, json: { message: `The request signature we calculated does not match. Secret ${SECRET} token ${TOKEN}` } });
    const provider = createBedrockProvider({ base_url: server.url, region: "us-east-1", access_key_id: "AKIDEXAMPLE", secret_access_key: SECRET, session_token: TOKEN }, { env: {} });
    const error = (await provider.complete(ask).catch((caught: unknown) => caught)) as Error & { metadata?: unknown };
    expect(error).toMatchObject({ category: "auth" });
    const printed = `${error.message} ${JSON.stringify(error.metadata)} ${String(error)}`;
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain(TOKEN);
  });
});

describe("catalogue", () => {
  it("lists the default catalogue, or the configured models completed from it (inference profiles included)", async () => {
    const all = await createBedrockProvider({ region: "us-east-1", api_key: API_KEY }, { env: {} }).listModels();
    expect(all.map((model) => model.id)).toContain("us.anthropic.claude-3-7-sonnet-20250219-v1:0");
    const configured = await createBedrockProvider({ region: "us-east-1", api_key: API_KEY, models: [{ id: "eu.amazon.nova-pro-v1:0" }, { id: "cohere.command-r-v1:0", context_window: 128000 }] }, { env: {} }).listModels();
    expect(configured[0]).toMatchObject({ id: "eu.amazon.nova-pro-v1:0", contextWindow: 300_000, pricing: { inputPerMillion: 0.8 } });
    expect(configured[1]).toMatchObject({ id: "cohere.command-r-v1:0", contextWindow: 128_000, capabilities: expect.arrayContaining(["generation.text-generation.chat-completion"]) });
  });

  it("the default catalogue serves chat and Titan / Cohere embeddings", async () => {
    const provider = createBedrockProvider({ region: "us-east-1", api_key: API_KEY }, { env: {} });
    expect(typeof provider.embed).toBe("function");
    expect(provider.getCapabilities()).toEqual(expect.arrayContaining(["generation.text-generation.chat-completion", "representation.embeddings.text-embeddings"]));
  });

  it("answers chat with the request's model and a completion id", async () => {
    const provider = createBedrockProvider({ base_url: server.url, region: "us-east-1", api_key: API_KEY }, { env: {} });
    const answer: ChatCompletion = await provider.complete(ask);
    expect(answer).toMatchObject({ model: MODEL, object: "chat.completion", id: expect.stringMatching(/^chatcmpl-bedrock-/) });
  });
});
