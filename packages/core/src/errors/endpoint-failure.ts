import { isLocalFailure } from "./local-resource.js";
import type { ModelMeshError } from "./model-mesh-error.js";

/**
 * System and undici codes that mean the endpoint could not be reached at all (nothing about the model):
 * refused, unknown host, unroutable, TLS failure, TCP connect timeout.
 */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/**
 * True when a failed attempt says the provider's endpoint is unreachable, not that the model failed: a
 * `network` failure before any response (the transports mark it `metadata.phase: "connect"`: refused, reset
 * before the headers, DNS, TLS), or a `network`/`timeout` failure whose cause chain carries a connect-level
 * code. A timeout waiting for response headers is not one: a slow model keeps its endpoint. Nor is a failure
 * of this host (`EMFILE`, `ENOBUFS`, …; see `local-resource.ts`), whatever its category: the endpoint was
 * never reached.
 */
export function isEndpointFailure(error: ModelMeshError): boolean {
  if (error.category !== "network" && error.category !== "timeout") return false;
  if (isLocalFailure(error)) return false;
  const metadata = error.metadata as { phase?: unknown; systemCode?: unknown } | undefined;
  if (typeof metadata?.systemCode === "string" && CONNECT_CODES.has(metadata.systemCode)) return true;
  if (error.category === "network" && metadata?.phase === "connect") return true;
  let current: unknown = error.cause;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
