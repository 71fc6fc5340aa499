/** `pnpm start`: loads this package BY NAME from a config, as an application would, and routes a request to it. */
import { ConnectorRegistry, createMesh } from "@modelmesh/core";
import { startMockProvider } from "@modelmesh/testing/server";

const mock = await startMockProvider({ models: [{ id: "echo-1" }] });
const yaml = `
connectors:
  packages: ["@acme/modelmesh-connector-echo"]
providers:
  acme:
    connector: acme.echo.v1
    config:
      base_url: "${mock.url}"
      system_prompt: "You are Acme's assistant."
      models: [{ id: "echo-1", capabilities: ["generation.text-generation.chat-completion"] }]
`;
// The importer runs `import()` from this package, so the package name resolves here (self-reference).
const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ importer: (specifier) => import(specifier) }) });
try {
  const { value, trace } = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hello acme" }] });
  console.log(`${trace.attempts[0]?.providerId}: ${value.choices[0]?.message.content}`);
  console.log(`sent to the upstream: ${JSON.stringify(mock.calls[0]?.body)}`);
} finally {
  await mesh.close();
  await mock.close();
}
