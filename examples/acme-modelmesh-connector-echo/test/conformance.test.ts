/** The quality bar of a third-party connector (CONTRIBUTING.md): it passes the provider conformance suite. */
import { describeProviderConformance } from "@modelmesh/testing";
import { EchoProvider } from "../src/index.js";

describeProviderConformance("acme.echo.v1 (EchoProvider)", {
  create: ({ baseUrl, apiKey, model }) =>
    new EchoProvider({ id: "acme", baseUrl, apiKey, systemPrompt: "Be brief.", models: [{ id: model, capabilities: ["generation.text-generation.chat-completion"] }] }),
  capabilities: { embeddings: true },
});
