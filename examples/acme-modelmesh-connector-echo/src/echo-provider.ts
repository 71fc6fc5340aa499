import { BaseProvider, type ProviderConfig } from "@modelmesh/cdk";
import type { ChatCompletionRequest } from "@modelmesh/core";

/** Config of {@link EchoProvider}: the CDK provider config plus the house system prompt. */
export interface EchoProviderConfig extends ProviderConfig {
  /** Prepended as a system message to every chat request that has none. */
  systemPrompt?: string;
}

/**
 * Acme's provider: any OpenAI-compatible endpoint, with a house system prompt and an `x-acme-client`
 * header. Everything else (transport, streaming, timeouts, classification, the catalogue) is the CDK's.
 * @example
 * const provider = new EchoProvider({ baseUrl: "http://127.0.0.1:8080/v1", systemPrompt: "Answer briefly." });
 */
export class EchoProvider extends BaseProvider<EchoProviderConfig> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "acme.echo.v1";

  protected override buildHeaders(): Record<string, string> {
    return { ...super.buildHeaders(), "x-acme-client": "modelmesh-connector-echo" };
  }

  protected override buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    const prompt = this.config.systemPrompt;
    if (!prompt || request.messages.some((message) => message.role === "system")) return super.buildRequestPayload(request);
    return super.buildRequestPayload({ ...request, messages: [{ role: "system", content: prompt }, ...request.messages] });
  }
}
