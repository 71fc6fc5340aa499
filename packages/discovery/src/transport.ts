/** The transport a host passes connectors (`createMesh({ transport })`), when it is one (docs/ARCHITECTURE.md §2.4). */
import type { Transport } from "@modelmesh/cdk";
import type { ConnectorContext } from "@modelmesh/core";

/** The context's transport function, or undefined (then the probes use the global `fetch`). */
export function contextTransportOf(context: ConnectorContext): Transport | undefined {
  return typeof context.transport === "function" ? (context.transport as Transport) : undefined;
}
