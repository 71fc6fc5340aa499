/**
 * Issue 11, item 7, past the loader: connectors validate their own (pass-through) config blocks and start up
 * inside createMesh. Whatever they say about a value that came from `${env:…}` / `${secrets:…}`, the error
 * names the path and the reference, never the value, and names the file.
 */
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { ConfigError, ConnectorRegistry, createMesh } from "../src/index.js";
import { createFetchProvider } from "./support/fetch-provider.js";

const SECRET = "sk-live-SUPERSECRET123";

/** A provider connector whose schema and start-up quote the values they reject (as third-party ones may). */
const chattyConnector = {
  id: "test.chatty.v1",
  type: "provider" as const,
  specificationVersion: "v1" as const,
  runtime: "universal" as const,
  configSchema: z
    .object({
      base_url: z.string(),
      region: z.string().refine((v) => v.startsWith("eu-"), { error: (issue) => `region "${String(issue.input)}" is not an EU region` }),
      retries: z.number().optional(),
      tier: z.enum(["free", "paid"]).optional(),
    })
    .passthrough(),
  create: (config: { base_url: string; region: string }, context: { instanceId: string }) => {
    if (config.region === "eu-closed") throw new Error(`cannot reach ${config.base_url} in ${config.region}`);
    return createFetchProvider(context.instanceId, config.base_url);
  },
};

async function meshError(config: string, env: Record<string, string>): Promise<ConfigError | Error> {
  const registry = new ConnectorRegistry({ connectors: [chattyConnector] });
  const error: unknown = await createMesh(config, { registry, env, file: "mesh.yaml" }).then(
    async (mesh) => {
      await mesh.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected createMesh to fail");
  return error;
}

const provider = (config: string) => `providers:\n  p:\n    connector: test.chatty.v1\n    config:\n${config}`;

describe("connector config errors inside createMesh", () => {
  it("a connector's own message quoting the value shows the reference; the error names the file", async () => {
    const error = await meshError(provider("      base_url: http://127.0.0.1:1/v1\n      region: ${env:SECRET}\n"), { SECRET });
    expect(ConfigError.is(error)).toBe(true);
    const issues = (error as ConfigError).issues;
    expect(issues).toEqual([{ path: "providers.p.config.region", message: 'region "${env:SECRET}" is not an EU region' }]);
    expect(error.message).toContain("[mesh.yaml]");
    expect(error.message).not.toContain("SUPERSECRET");
  });

  it("a pass-through number and enum from ${env:…} name the reference", async () => {
    const error = await meshError(provider("      base_url: http://127.0.0.1:1/v1\n      region: eu-west\n      retries: ${env:SECRET}\n      tier: ${secrets:TIER}\n"), {
      SECRET,
      TIER: "platinum-tier-0042",
    });
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.path)).toEqual(["providers.p.config.retries", "providers.p.config.tier"]);
    expect(issues[0]!.message).toContain("${env:SECRET}");
    expect(issues[1]!.message).toContain("${secrets:TIER}");
    expect(`${error.message}${JSON.stringify(issues)}`).not.toMatch(/SUPERSECRET|platinum-tier-0042/);
  });

  it("an unknown connector id from ${env:…} is not printed", async () => {
    const error = await meshError("providers:\n  p:\n    connector: ${env:CONNECTOR}\n", { CONNECTOR: "vendor-internal-connector-x1" });
    expect((error as ConfigError).code).toBe("MM_CONNECTOR_UNKNOWN");
    expect(error.message).toContain("unknown connector '${env:CONNECTOR}'");
    expect(error.message).not.toContain("vendor-internal-connector-x1");
  });

  it("a connector that fails at start-up with the value in its message has it replaced, message and stack", async () => {
    const error = await meshError(provider("      base_url: ${env:UPSTREAM}\n      region: eu-closed\n"), { UPSTREAM: "http://10.1.2.3:9999/private-path" });
    expect(error.message).toBe("cannot reach ${env:UPSTREAM} in eu-closed");
    expect(error.stack ?? "").not.toContain("10.1.2.3");
  });
});
