/**
 * The package is loaded BY NAME, exactly as an application loads a third-party connector: through
 * `registry.load(...)` and through `connectors.packages` in a config; a request is then routed to it.
 */
import { ConnectorRegistry, createMesh, type ModuleImporter } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE = "@acme/modelmesh-connector-echo";
/** `import()` from this package: its own name resolves through the `exports` map (self-reference). */
const importer: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "echo-1" }], apiKey: "sk-acme-0123456789abcdef" });
});
afterAll(() => mock.close());

describe(PACKAGE, () => {
  it("registers acme.echo.v1 through registry.load by package name, with nothing done at import", async () => {
    const module = await importer(PACKAGE);
    expect(Object.keys(module).sort()).toEqual(["EchoProvider", "connector", "echoConfigSchema"]);
    const registry = new ConnectorRegistry({ importer });
    expect(registry.has("acme.echo.v1")).toBe(false);
    expect(await registry.load(PACKAGE)).toEqual(["acme.echo.v1"]);
    expect(registry.get("acme-echo")?.id).toBe("acme.echo.v1");
  });

  it("is named in connectors.packages and serves a routed request", async () => {
    const yaml = `
connectors:
  packages: ["${PACKAGE}"]
providers:
  acme:
    connector: acme.echo.v1
    config:
      base_url: "${mock.url}"
      api_key: "\${env:ACME_KEY}"
      system_prompt: "You are Acme's assistant."
      models: [{ id: "echo-1", capabilities: ["generation.text-generation.chat-completion"] }]
`;
    const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ importer }), env: { ACME_KEY: "sk-acme-0123456789abcdef" } });
    try {
      const { value, trace } = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hello acme" }] });
      expect(value.choices[0]?.message.content).toBe("echo: hello acme");
      expect(trace.attempts.map((attempt) => [attempt.providerId, attempt.ok])).toEqual([["acme", true]]);
      expect(mesh.router.providers.get("acme")?.connector.connectorId).toBe("acme.echo.v1");
      const sent = mock.calls.at(-1)!;
      expect(sent.headers["x-acme-client"]).toBe("modelmesh-connector-echo");
      expect(sent.body).toMatchObject({ messages: [{ role: "system", content: "You are Acme's assistant." }, { role: "user", content: "hello acme" }] });
    } finally {
      await mesh.close();
    }
  });

  it("is named by package in `connector:` (no connectors.packages) and serves a routed request", async () => {
    const yaml = `
providers:
  acme:
    connector: "${PACKAGE}"
    config:
      base_url: "${mock.url}"
      api_key: "\${env:ACME_KEY}"
      models: [{ id: "echo-1", capabilities: ["generation.text-generation.chat-completion"] }]
`;
    const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ importer }), env: { ACME_KEY: "sk-acme-0123456789abcdef" } });
    try {
      const { value } = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "by name" }] });
      expect(value.choices[0]?.message.content).toBe("echo: by name");
      expect(mesh.router.providers.get("acme")?.connector.connectorId).toBe("acme.echo.v1");
    } finally {
      await mesh.close();
    }
  });

  it("a package named in `connector:` that is not installed fails at start-up naming the path", async () => {
    const error = await createMesh(`providers:\n  acme: { connector: "@acme/modelmesh-connector-missing", config: { base_url: "http://127.0.0.1:9" } }\n`, { registry: new ConnectorRegistry({ importer }) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_CONNECTOR_UNKNOWN", issues: [{ path: "providers.acme.connector" }] });
  });

  it("fails at start-up with MM_CONNECTOR_UNKNOWN when the package is not installed", async () => {
    const error = await createMesh(`connectors:\n  packages: ["@acme/modelmesh-connector-missing"]\n`, { registry: new ConnectorRegistry({ importer }) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "MM_CONNECTOR_UNKNOWN", issues: [{ path: "connectors.packages.0" }] });
  });
});
