/**
 * End to end through the public mesh API: YAML configs naming the connector by id and by alias, credentials
 * from `${env:…}` and from the mesh's environment, the router calling it against the Bedrock mock on real
 * sockets (signed requests, event streams), failover on throttling, and no embeddings.
 */
import { ConnectorRegistry, createMesh, type ChatCompletionChunk, type Mesh } from "@modelmesh/core";
import { afterEach, describe, expect, it } from "vitest";
import { connector } from "../src/index.js";
import { startBedrockMock, type BedrockMock } from "./support/bedrock-mock.js";

const UPSTREAM_KEY = "sk-mesh-upstream-0123456789";
const ENV = { AWS_ACCESS_KEY_ID: "AKIDMESHEXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", AWS_REGION: "eu-west-1" };
const open: Array<BedrockMock | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function mock(models = ["amazon.nova-pro-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"]) {
  const started = await startBedrockMock({ models: models.map((id) => ({ id })), apiKey: UPSTREAM_KEY });
  open.push(started);
  return started;
}

async function mesh(yaml: string, env: Record<string, string> = ENV): Promise<Mesh> {
  const built = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [connector] }), env });
  open.push(built);
  return built;
}

describe("aws.bedrock.v1 in a mesh", () => {
  it("alias `bedrock`, credentials and region from the mesh env: a signed Converse call through the router", async () => {
    const upstream = await mock();
    const built = await mesh(`
providers:
  aws:
    connector: bedrock
    config:
      base_url: ${upstream.url}
models:
  nova: { provider: aws, model: amazon.nova-pro-v1:0, capabilities: [chat-completion] }
`);
    const { value, trace } = await built.router.chat({ model: "nova", messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "hello mesh" }] });
    expect(value.choices[0]!.message.content).toBe("echo: hello mesh");
    expect(trace.final?.providerId).toBe("aws");
    const sent = upstream.calls.at(-1)!;
    expect(sent.path).toBe("/model/amazon.nova-pro-v1%3A0/converse");
    expect(sent.body.system).toEqual([{ text: "Be kind." }]);
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDMESHEXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request, /);
  });

  it("id `aws.bedrock.v1` with keys from ${env:…}: a streamed answer through the router", async () => {
    const upstream = await mock();
    const built = await mesh(
      `
providers:
  aws:
    connector: aws.bedrock.v1
    config:
      region: us-west-2
      base_url: ${upstream.url}
      access_key_id: \${env:BEDROCK_KEY_ID}
      secret_access_key: \${env:BEDROCK_SECRET}
models:
  haiku: { provider: aws, model: anthropic.claude-3-5-haiku-20241022-v1:0, capabilities: [chat-completion] }
`,
      { BEDROCK_KEY_ID: "AKIDFROMINTERP", BEDROCK_SECRET: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    );
    const { value } = await built.router.chatStream({ model: "haiku", messages: [{ role: "user", content: "stream through the mesh" }], stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of value) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("echo: stream through the mesh");
    expect(upstream.calls.at(-1)!.path).toBe("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream");
    expect(upstream.calls.at(-1)!.headers.authorization).toContain("Credential=AKIDFROMINTERP/");
    expect(upstream.calls.at(-1)!.headers.authorization).toContain("/us-west-2/bedrock/aws4_request");
  });

  it("a throttled region fails over to the next one", async () => {
    const a = await mock();
    const b = await mock();
    a.openai.fault({ times: 1, fault: { kind: "rate-limit", retryAfter: 30 } });
    const built = await mesh(`
providers:
  east: { connector: aws-bedrock, config: { region: us-east-1, base_url: ${a.url} } }
  west: { connector: aws-bedrock, config: { region: us-west-2, base_url: ${b.url} } }
models:
  east.nova: { provider: east, model: amazon.nova-pro-v1:0, capabilities: [chat-completion] }
  west.nova: { provider: west, model: amazon.nova-pro-v1:0, capabilities: [chat-completion] }
`);
    const { value, trace } = await built.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "failover please" }] });
    expect(value.choices[0]!.message.content).toBe("echo: failover please");
    expect(trace.final?.providerId).toBe("west");
    expect(a.calls).toHaveLength(1);
  });

  it("a config without credentials fails at start-up naming the keys; unknown keys are rejected", async () => {
    await expect(createMesh(`
providers:
  aws: { connector: bedrock, config: { region: us-east-1 } }
`, { registry: new ConnectorRegistry({ connectors: [connector] }), env: {} })).rejects.toThrow(/access_key_id/);
    await expect(createMesh(`
providers:
  aws: { connector: bedrock, config: { region: us-east-1, api_key: abcdefgh, profile: default } }
`, { registry: new ConnectorRegistry({ connectors: [connector] }), env: {} })).rejects.toThrow(/profile/);
  });

  it("embeddings through InvokeModel with a Titan model; a chat model asked for embeddings is refused before sending", async () => {
    const upstream = await mock(["amazon.titan-embed-text-v2:0", "amazon.nova-pro-v1:0"]);
    const built = await mesh(`
providers:
  aws: { connector: bedrock, config: { base_url: ${upstream.url} } }
models:
  titan: { provider: aws, model: amazon.titan-embed-text-v2:0, capabilities: [text-embeddings] }
  wrong: { provider: aws, model: amazon.nova-pro-v1:0, capabilities: [text-embeddings] }
`);
    const { value } = await built.router.embed({ model: "titan", input: ["alpha beta", "gamma"] });
    expect(value.data).toHaveLength(2);
    expect(value.usage.prompt_tokens).toBe(3);
    expect(upstream.calls.map((call) => call.path)).toEqual(["/model/amazon.titan-embed-text-v2%3A0/invoke", "/model/amazon.titan-embed-text-v2%3A0/invoke"]);
    const error = await built.router.embed({ model: "wrong", input: "hello" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ category: "invalid_request" });
    expect(upstream.calls).toHaveLength(2);
  });
});
