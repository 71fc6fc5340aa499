import { ConfigError, ConnectorRegistry, systemClock, type ConnectorContext } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { AZURE_OPENAI_DEFAULT_API_VERSION, AzureOpenAIProvider, azureOpenAIConnector, connectors, createAzureOpenAIProvider } from "../src/index.js";
import { azureOperationUrl, deploymentFor, normalizeEndpoint } from "../src/azure/azure-addressing.js";

/** `azure.openai.v1` config resolution and addressing: what works, and what is refused with which path. */

const KEY = "azure-config-key-0123456789abcdef";
const context = (env: Record<string, string | undefined> = {}): ConnectorContext => ({ instanceId: "azure", clock: systemClock, env, runtime: "node" });

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (ConfigError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** The URL a provider would call for chat with `model` (read through the protected hook). */
function chatUrl(provider: AzureOpenAIProvider, model: string): string {
  const hooks = provider as unknown as { buildRequestPayload(r: unknown): unknown; getCompletionEndpoint(stream: boolean): string };
  hooks.buildRequestPayload({ model, messages: [] });
  return hooks.getCompletionEndpoint(false);
}

describe("addressing", () => {
  it.each([
    ["https://r.openai.azure.com", "2024-10-21", "/chat/completions", "gpt4o", "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"],
    ["https://r.openai.azure.com", "2024-10-21", "/embeddings", "emb", "https://r.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21"],
    ["https://r.openai.azure.com", "2025-04-01-preview", "/models", undefined, "https://r.openai.azure.com/openai/models?api-version=2025-04-01-preview"],
    ["https://r.openai.azure.com", "v1", "/chat/completions", "gpt4o", "https://r.openai.azure.com/openai/v1/chat/completions"],
    ["https://apim.example.com/aoai", "v1", "/embeddings", "emb", "https://apim.example.com/aoai/openai/v1/embeddings"],
  ] as const)("azureOperationUrl(%s, %s, %s, %s)", (endpoint, version, path, deployment, expected) => {
    expect(azureOperationUrl(endpoint, version, path, deployment)).toBe(expected);
  });

  it("normalizes endpoints and refuses the ones that already name /openai", () => {
    expect(normalizeEndpoint("https://r.openai.azure.com///")).toEqual({ endpoint: "https://r.openai.azure.com" });
    expect(normalizeEndpoint("https://apim.example.com/aoai/")).toEqual({ endpoint: "https://apim.example.com/aoai" });
    expect(normalizeEndpoint("https://r.openai.azure.com/openai")).toHaveProperty("problem");
    expect(normalizeEndpoint("https://r.openai.azure.com/openai/v1/")).toHaveProperty("problem");
    expect(normalizeEndpoint("https://r.openai.azure.com/?api-version=2024-10-21")).toHaveProperty("problem");
    expect(normalizeEndpoint("ftp://r.example.com")).toHaveProperty("problem");
  });

  it("a model without a deployments entry is its own deployment", () => {
    expect(deploymentFor("gpt-4o", { "gpt-4o": "prod" })).toBe("prod");
    expect(deploymentFor("gpt-4o-mini", { "gpt-4o": "prod" })).toBe("gpt-4o-mini");
    expect(deploymentFor("gpt-4o", undefined)).toBe("gpt-4o");
  });
});

describe("config resolution", () => {
  it("resource names the endpoint; the default api-version is the GA one", () => {
    const provider = createAzureOpenAIProvider({ config: { resource: "contoso-ai", api_key: KEY, deployments: { "gpt-4o": "prod" } } });
    expect(AZURE_OPENAI_DEFAULT_API_VERSION).toBe("2024-10-21");
    expect(chatUrl(provider, "gpt-4o")).toBe("https://contoso-ai.openai.azure.com/openai/deployments/prod/chat/completions?api-version=2024-10-21");
  });

  it("the endpoint and key come from the connector context's env when the block has none", async () => {
    const provider = await azureOpenAIConnector.create({ deployments: { "gpt-4o": "prod" } }, context({ AZURE_OPENAI_ENDPOINT: "https://envres.openai.azure.com/", AZURE_OPENAI_API_KEY: KEY }));
    expect(provider).toMatchObject({ id: "azure", connectorId: "azure.openai.v1" });
    expect(chatUrl(provider, "gpt-4o")).toBe("https://envres.openai.azure.com/openai/deployments/prod/chat/completions?api-version=2024-10-21");
    expect((provider as unknown as { buildHeaders(): Record<string, string> }).buildHeaders()).toEqual({ "content-type": "application/json", "api-key": KEY });
  });

  it("AZURE_OPENAI_AD_TOKEN alone is sent as a bearer token", async () => {
    const provider = await azureOpenAIConnector.create({ endpoint: "https://r.openai.azure.com", deployments: { m: "m" } }, context({ AZURE_OPENAI_AD_TOKEN: "entra-token-abcdef" }));
    expect((provider as unknown as { buildHeaders(): Record<string, string> }).buildHeaders()).toMatchObject({ authorization: "Bearer entra-token-abcdef" });
  });

  it.each([
    ["both credentials in the block", { endpoint: "https://r.openai.azure.com", api_key: KEY, azure_ad_token: "tok-0123456789", deployments: { m: "m" } }, {}, "config.api_key", /exactly one of api_key, azure_ad_token/],
    ["no credential anywhere", { endpoint: "https://r.openai.azure.com", deployments: { m: "m" } }, {}, "config.api_key", /AZURE_OPENAI_API_KEY/],
    ["both credential variables", { endpoint: "https://r.openai.azure.com", deployments: { m: "m" } }, { AZURE_OPENAI_API_KEY: KEY, AZURE_OPENAI_AD_TOKEN: "tok-0123456789" }, "config.api_key", /both AZURE_OPENAI_API_KEY and AZURE_OPENAI_AD_TOKEN/],
    ["no endpoint", { api_key: KEY, deployments: { m: "m" } }, {}, "config.endpoint", /AZURE_OPENAI_ENDPOINT/],
    ["endpoint and resource", { endpoint: "https://r.openai.azure.com", resource: "r", api_key: KEY, deployments: { m: "m" } }, {}, "config.endpoint", /not both/],
    ["an endpoint ending in /openai", { endpoint: "https://r.openai.azure.com/openai", api_key: KEY, deployments: { m: "m" } }, {}, "config.endpoint", /without "\/openai"/],
    ["no deployments and no models", { endpoint: "https://r.openai.azure.com", api_key: KEY }, {}, "config.deployments", /deployed models only/],
    ["an OpenAI-only key", { endpoint: "https://r.openai.azure.com", api_key: KEY, deployments: { m: "m" }, base_url: "https://x.example.com/v1" }, {}, "config", /base_url/],
    ["a malformed api_version", { endpoint: "https://r.openai.azure.com", api_key: KEY, deployments: { m: "m" }, api_version: "2024/10/21" }, {}, "config.api_version", /v1/],
    ["a bad resource name", { resource: "my resource!", api_key: KEY, deployments: { m: "m" } }, {}, "config.resource", /resource name/],
  ] as const)("refuses %s, naming the path", (_name, block, env, path, message) => {
    const error = configError(() => createAzureOpenAIProvider({ config: block as Record<string, unknown>, env }));
    const issue = error.issues.find((candidate) => candidate.path === path || (path === "config" && candidate.path === "config"));
    expect(issue, JSON.stringify(error.issues)).toBeDefined();
    expect(`${issue!.message} ${JSON.stringify(error.issues)}`).toMatch(message);
    expect(JSON.stringify(error.issues)).not.toContain(KEY);
    expect(error.message).not.toContain(KEY);
  });

  it("a token provider in code excludes a key in the block", () => {
    const error = configError(() => createAzureOpenAIProvider({ config: { endpoint: "https://r.openai.azure.com", api_key: KEY, deployments: { m: "m" } }, azureADTokenProvider: async () => "t" }));
    expect(error.issues[0]).toMatchObject({ path: "config.api_key", message: expect.stringContaining("azureADTokenProvider") });
  });

  it("the typed constructor checks the same rules", () => {
    expect(configError(() => new AzureOpenAIProvider({ endpoint: "https://r.openai.azure.com", deployments: { m: "m" } })).issues[0]!.path).toBe("config.apiKey");
    expect(configError(() => new AzureOpenAIProvider({ endpoint: "https://r.openai.azure.com", apiKey: KEY, azureADToken: "t-0123456789", deployments: { m: "m" } })).issues[0]!.message).toMatch(/exactly one/);
    expect(configError(() => new AzureOpenAIProvider({ endpoint: "https://r.openai.azure.com", apiKey: KEY })).issues[0]!.path).toBe("config.deployments");
    expect(configError(() => new AzureOpenAIProvider({ endpoint: "r.openai.azure.com", apiKey: KEY, deployments: { m: "m" } })).issues[0]!.path).toBe("config.endpoint");
    expect(configError(() => new AzureOpenAIProvider({ endpoint: "https://r.openai.azure.com", apiKey: KEY, deployments: { m: "m" }, timeoutMs: "soon" as never })).issues[0]!.path).toBe("config.timeoutMs");
  });
});

describe("catalogue", () => {
  it("lists the deployed model ids: OpenAI's sizes and features where known, no prices, capabilities inferred", async () => {
    const provider = createAzureOpenAIProvider({ config: { endpoint: "https://r.openai.azure.com", api_key: KEY, deployments: { "gpt-4o": "a", "text-embedding-3-large": "b", "my-finetune": "c" } } });
    const models = await provider.listModels();
    expect(models.map((model) => model.id)).toEqual(["gpt-4o", "text-embedding-3-large", "my-finetune"]);
    expect(models[0]).toMatchObject({ contextWindow: 128_000, capabilities: ["generation.text-generation.chat-completion"], features: { toolCalling: true } });
    expect(models[0]!.pricing).toBeUndefined();
    expect(models[1]!.capabilities).toEqual(["representation.embeddings.text-embeddings"]);
    expect(models[2]!.capabilities).toEqual(["generation.text-generation.chat-completion"]);
    // Discovery would list base models, not deployments: it returns the catalogue without a request.
    expect((await provider.discoverModels()).map((model) => model.id)).toEqual(["gpt-4o", "text-embedding-3-large", "my-finetune"]);
  });

  it("models: in the block replace the derived catalogue", async () => {
    const provider = createAzureOpenAIProvider({
      config: { endpoint: "https://r.openai.azure.com", api_key: KEY, models: [{ id: "gpt-4o-mini", capabilities: ["generation.text-generation.chat-completion"], context_window: 64_000 }] },
    });
    expect(await provider.listModels()).toEqual([expect.objectContaining({ id: "gpt-4o-mini", contextWindow: 64_000 })]);
  });

  it("registers under its id and aliases, and is part of the package's connectors", () => {
    const registry = new ConnectorRegistry({ connectors: [...connectors] });
    expect(registry.resolve("azure").id).toBe("azure.openai.v1");
    expect(registry.resolve("azure-openai").id).toBe("azure.openai.v1");
    expect(azureOpenAIConnector).toMatchObject({ type: "provider", runtime: "universal", specificationVersion: "v1" });
  });
});
