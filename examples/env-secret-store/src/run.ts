/** Builds the mesh with the env secret store and makes one authenticated request. */
import { readFile } from "node:fs/promises";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh } from "@modelmesh/core";
import { SECRETS_CONNECTORS } from "@modelmesh/secrets";

/**
 * Runs the example with `env` as the process environment (explicit, never read implicitly): it must hold
 * `UPSTREAM_URL` and `MM_UPSTREAM_KEY`. Returns the answer.
 * @example
 * await run({ UPSTREAM_URL: "http://127.0.0.1:8080/v1", MM_UPSTREAM_KEY: "sk-…" });
 */
export async function run(env: Record<string, string | undefined>): Promise<string> {
  const yaml = await readFile(new URL("../modelmesh.yaml", import.meta.url), "utf8");
  const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...SECRETS_CONNECTORS] }), env, file: "modelmesh.yaml" });
  try {
    const { value } = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "Which key did you get?" }] });
    return value.choices[0]?.message.content ?? "";
  } finally {
    await mesh.close();
  }
}
