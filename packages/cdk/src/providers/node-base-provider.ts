import { createUndiciTransport } from "../transport/undici-transport.js";
import type { Transport } from "../transport/types.js";
import type { ProviderConfig } from "./provider-config.js";
import { ProviderBase } from "./provider-base.js";

/**
 * The Node base provider: identical protocol logic to `BaseProvider`, but the default transport is undici
 * with the shared keep-alive Agent (created on first request, never at import). Exported from
 * `@modelmesh/cdk/node` under this one name (`BaseProvider` is always the fetch variant).
 * @example
 * import { NodeBaseProvider } from "@modelmesh/cdk/node";
 * const provider = new NodeBaseProvider({ baseUrl: "http://127.0.0.1:8080/v1", apiKey: "sk-local" });
 */
export class NodeBaseProvider<C extends ProviderConfig = ProviderConfig> extends ProviderBase<C> {
  /** Connector id used when the config names none. */
  static override readonly CONNECTOR_ID: string = "modelmesh.base-provider.v1";

  /** The configured transport, else the shared undici keep-alive transport. */
  protected override createTransport(configured: Transport | undefined): Transport {
    return configured ?? createUndiciTransport();
  }
}
