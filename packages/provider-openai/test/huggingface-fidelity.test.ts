import { systemClock, type ChatCompletionChunk, type ChatCompletionRequest, type ConnectorContext } from "@modelmesh/core";
import { InferenceClient } from "@huggingface/inference";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectors } from "../src/index.js";
import { startCaptureServer, type CaptureServer, type CapturedRequest } from "./support/capture-server.js";
import { chunkFixture, fixture } from "./support/fixtures.js";

/**
 * Paired fidelity for the Hugging Face router preset against Hugging Face's own JS SDK (`@huggingface/inference`
 * 4.13.30, `InferenceClient` with `endpointUrl` set to the capture server, as for a dedicated endpoint): the same
 * chat request through both gives the same HTTP request (method, path, bearer token, JSON body), and both
 * read the recorded answer and stream the same way.
 */

const HF_TOKEN = "hf_fidelity_token_0123456789abcdef";
const MODEL = "meta-llama/Llama-3.3-70B-Instruct";
const context: ConnectorContext = { instanceId: "hf", clock: systemClock, env: { HF_TOKEN }, runtime: "node" };

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());

async function ours() {
  const descriptor = connectors.find((c) => c.id === "huggingface.router.v1")!;
  return descriptor.create({ base_url: server.url }, context);
}

function sdk() {
  return new InferenceClient(HF_TOKEN, { endpointUrl: server.url.replace(/\/v1$/, "") });
}

/** The parts of a request both clients must agree on. */
function wire(request: CapturedRequest) {
  return { method: request.method, path: request.path, authorization: request.headers.authorization, contentType: request.headers["content-type"]?.split(";")[0], json: request.json };
}

const TOOL = {
  type: "function",
  function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
} as const;

describe("huggingface.router.v1 vs @huggingface/inference", () => {
  it.each([
    ["plain chat", { model: MODEL, messages: [{ role: "user", content: "Hello!" }], max_tokens: 64, temperature: 0.2 }],
    ["a system prompt, tools and a provider suffix", { model: `${MODEL}:fireworks-ai`, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Paris?" }], tools: [TOOL], tool_choice: "auto" }],
  ])("%s: the same request, the same answer", async (_name, params) => {
    server.reply = () => ({ json: fixture("openai-chat-tool-calls") });
    const provider = await ours();
    try {
      const before = server.requests.length;
      const sdkAnswer = await sdk().chatCompletion(params as unknown as Parameters<InferenceClient["chatCompletion"]>[0]);
      const ourAnswer = await provider.complete(params as unknown as ChatCompletionRequest);
      const [viaSdk, viaUs] = server.requests.slice(before);
      expect(wire(viaUs!)).toEqual(wire(viaSdk!));
      expect(viaUs!.path).toBe("/v1/chat/completions");
      expect(viaUs!.headers.authorization).toBe(`Bearer ${HF_TOKEN}`);
      expect(ourAnswer.choices[0]!.message.tool_calls).toEqual(sdkAnswer.choices[0]!.message.tool_calls);
      expect(ourAnswer.choices[0]!.finish_reason).toBe(sdkAnswer.choices[0]!.finish_reason);
      expect(ourAnswer.usage).toEqual(sdkAnswer.usage);
    } finally {
      await provider.close();
    }
  });

  it("streaming: the same text and finish reason; the request differs only by the usage option ModelMesh asks for", async () => {
    server.reply = () => ({ sse: chunkFixture("openai-chat-text") });
    const provider = await ours();
    try {
      const params = { model: MODEL, messages: [{ role: "user", content: "Hello!" }] };
      const before = server.requests.length;
      let sdkText = "";
      let sdkFinish: string | null | undefined;
      for await (const chunk of sdk().chatCompletionStream(params)) {
        sdkText += chunk.choices[0]?.delta?.content ?? "";
        sdkFinish = chunk.choices[0]?.finish_reason ?? sdkFinish;
      }
      let ourText = "";
      let ourFinish: string | null | undefined;
      for await (const chunk of provider.stream({ ...params, stream: true } as ChatCompletionRequest) as AsyncIterable<ChatCompletionChunk>) {
        ourText += chunk.choices[0]?.delta?.content ?? "";
        ourFinish = chunk.choices[0]?.finish_reason ?? ourFinish;
      }
      const [viaSdk, viaUs] = server.requests.slice(before);
      const { stream_options: streamOptions, ...ourJson } = viaUs!.json as Record<string, unknown>;
      expect(streamOptions).toEqual({ include_usage: true });
      expect({ ...wire(viaUs!), json: ourJson }).toEqual(wire(viaSdk!));
      expect(ourText).toBe(sdkText);
      expect(ourText.length).toBeGreaterThan(0);
      expect(ourFinish).toBe(sdkFinish);
    } finally {
      await provider.close();
    }
  });
});
