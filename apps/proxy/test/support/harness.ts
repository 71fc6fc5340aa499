/** Shared test set-up: mock upstreams on 127.0.0.1, a proxy in front of them, an OpenAI SDK client. */
import OpenAI from "openai";
import type { MockProvider } from "@modelmesh/testing/server";
import { startProxy, type ProxyHandle, type ProxyOptions } from "../../src/index.js";

/** Every capability the mock serves, so one model answers every endpoint. */
export const ALL_CAPABILITIES = ["chat-completion", "text-embeddings", "text-to-image", "text-to-speech", "speech-to-text"];

/** One provider entry per mock URL (`p0`, `p1`, …), each serving `mock-model`. */
export function providers(urls: string[], model: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    urls.map((url, i) => [
      `p${i}`,
      {
        connector: "openai-compatible",
        config: { base_url: url, api_key: "sk-upstream" },
        models: [{ id: "mock-model", capabilities: ["chat-completion"], features: { tool_calling: true }, ...model }],
      },
    ]),
  );
}

/** A config routing the `chat` pool over the mocks, with short timeouts for fault tests. */
export function meshConfig(urls: string[], extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: providers(urls, model),
    pools: { chat: { capability: "chat-completion", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "50ms" } } },
    routing: { deadline: "2500ms", timeouts: { connect: "400ms", first_token: "600ms", idle: "300ms" } },
    ...extra,
  };
}

/** A started proxy plus its captured log lines. */
export interface Started {
  proxy: ProxyHandle;
  logs: string[];
}

/** Starts a proxy on an ephemeral port with logs captured. */
export async function start(config: object | string, options: Partial<ProxyOptions> = {}): Promise<Started> {
  const logs: string[] = [];
  const proxy = await startProxy({ config, port: 0, env: {}, log: (line) => logs.push(line), shutdownGraceMs: 2_000, ...options });
  return { proxy, logs };
}

/** The official SDK pointed at the proxy, without its own retries. */
export function sdk(proxy: ProxyHandle, apiKey = "no-key"): OpenAI {
  return new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey, maxRetries: 0, timeout: 15_000 });
}

/** Closes everything given, ignoring what is undefined. */
export async function closeAll(...items: Array<{ close(): Promise<void> } | undefined>): Promise<void> {
  await Promise.all(items.map((item) => item?.close()));
}

/** Mocks started for a suite. */
export type Mocks = MockProvider[];
