/** Builds a mesh from `modelmesh.yaml` with the CDK's connectors and asks it for a chat and a stream. */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh } from "@modelmesh/core";

/** What the example prints. */
export interface ConfigOnlyResult {
  /** The non-streamed answer. */
  chat: string;
  /** The streamed answer, reassembled. */
  stream: string;
  /** The provider that served them. */
  providerId: string;
}

/**
 * Runs the example. `env` must hold `UPSTREAM_URL` (an OpenAI-compatible `/v1` base URL) and `PROXY_KEY`.
 * @example
 * const result = await run({ UPSTREAM_URL: "http://127.0.0.1:8080/v1", PROXY_KEY: "sk-…" });
 */
export async function run(env: Record<string, string>): Promise<ConfigOnlyResult> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }), env, file: "modelmesh.yaml" });
  try {
    const messages = [{ role: "user" as const, content: "Hello from a config-only provider" }];
    const chat = await mesh.router.chat({ model: "chat-completion", messages });
    const streamed = await mesh.router.chatStream({ model: "chat-completion", messages });
    let stream = "";
    for await (const chunk of streamed.value) stream += chunk.choices[0]?.delta?.content ?? "";
    return { chat: chat.value.choices[0]?.message.content ?? "", stream, providerId: chat.trace.attempts.at(-1)?.providerId ?? "" };
  } finally {
    await mesh.close();
  }
}
