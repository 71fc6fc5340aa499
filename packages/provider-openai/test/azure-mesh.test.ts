import { ConnectorRegistry, createMesh, type ChatCompletionChunk, type Mesh } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { azureOpenAIConnector } from "../src/index.js";
import { startCaptureServer, type CannedReply, type CapturedRequest, type CaptureServer } from "./support/capture-server.js";
import { chunkFixture, fixture } from "./support/fixtures.js";

/**
 * `azure.openai.v1` through `createMesh(yaml, { registry })`: an Azure-shaped upstream on 127.0.0.1 (the
 * capture server answering only `/openai/deployments/{deployment}/…` with the right `api-key`), the key taken
 * from `AZURE_OPENAI_API_KEY` in the mesh's environment, the router calling the mapped deployment.
 */

const KEY = "azure-mesh-key-0123456789abcdef";
let server: CaptureServer;
let endpoint: string;

function azureUpstream(request: CapturedRequest): CannedReply {
  if (request.headers["api-key"] !== KEY) return { status: 401, json: { error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint." } } };
  const match = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)\?api-version=2024-10-21$/.exec(request.path);
  if (!match || match[1] !== "mini-prod") return { status: 404, json: fixture("azure-error-deployment-not-found") };
  if (match[2] === "embeddings") return { json: fixture("openai-embeddings") };
  return (request.json as { stream?: boolean }).stream ? { sse: chunkFixture("azure-chat-text") } : { json: fixture("azure-chat-text") };
}

const open: Mesh[] = [];
beforeAll(async () => {
  server = await startCaptureServer();
  server.reply = azureUpstream;
  endpoint = new URL(server.url).origin;
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((mesh) => mesh.close()));
  await server.close();
});

async function mesh(yaml: string, env: Record<string, string>): Promise<Mesh> {
  const built = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [azureOpenAIConnector] }), env });
  open.push(built);
  return built;
}

describe("azure.openai.v1 in a mesh", () => {
  it("answers chat and streams through the router, with the key from AZURE_OPENAI_API_KEY", async () => {
    const built = await mesh(
      `
providers:
  azure:
    connector: azure
    config:
      endpoint: ${endpoint}
      deployments:
        gpt-4o-mini: mini-prod
`,
      { AZURE_OPENAI_API_KEY: KEY },
    );
    server.requests.length = 0;
    const { value, trace } = await built.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hello azure" }] });
    expect(value.choices[0]!.message.content).toBe("Hello! How can I help you today?");
    expect(trace.final?.providerId).toBe("azure");
    expect(server.requests[0]).toMatchObject({ method: "POST", path: "/openai/deployments/mini-prod/chat/completions?api-version=2024-10-21", json: { model: "gpt-4o-mini" } });
    expect(server.requests[0]!.headers["api-key"]).toBe(KEY);

    const streamed = await built.router.chatStream({ model: "chat-completion", messages: [{ role: "user", content: "stream please" }], stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of streamed.value) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello from Azure!");
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(16);
  });

  it("a key in the YAML wins over the environment; a wrong key is MM_AUTH naming no secret", async () => {
    const built = await mesh(
      `
providers:
  azure:
    connector: azure-openai
    config:
      endpoint: ${endpoint}
      api_key: "\${env:WRONG_KEY}"
      deployments: { gpt-4o-mini: mini-prod }
`,
      { AZURE_OPENAI_API_KEY: KEY, WRONG_KEY: "not-the-azure-key-0123456789" },
    );
    const error = await built.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "x" }] }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toMatchObject({ code: "MM_ROUTING_EXHAUSTED", category: "auth" });
    expect((error as unknown as { attempts: Array<{ code: string }> }).attempts.map((attempt) => attempt.code)).toEqual(["MM_AUTH"]);
    expect(String(error!.message)).not.toContain("not-the-azure-key-0123456789");
    expect(server.requests.at(-1)!.headers["api-key"]).toBe("not-the-azure-key-0123456789");
  });

  it("a config without a credential fails at start-up naming the keys and variables", async () => {
    await expect(
      mesh(
        `
providers:
  azure: { connector: azure.openai.v1, config: { endpoint: "${endpoint}", deployments: { gpt-4o-mini: mini-prod } } }
`,
        {},
      ),
    ).rejects.toThrow(/api_key.*AZURE_OPENAI_API_KEY/s);
  });
});
