import type { ModelMeshError } from "./model-mesh-error.js";

/**
 * System codes that mean this host ran out of a local resource while opening or using a connection: file
 * descriptors (`EMFILE` per process, `ENFILE` system-wide), socket buffers (`ENOBUFS`), memory (`ENOMEM`) or
 * ephemeral ports (`EADDRNOTAVAIL`). The upstream was never reached, so such a failure says nothing about it:
 * it is classified `MM_LOCAL_RESOURCE` (category `internal`), never counts against a route and never parks an
 * endpoint (docs/errors.md).
 */
export const LOCAL_RESOURCE_CODES: ReadonlySet<string> = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "EADDRNOTAVAIL"]);

/** How long a client is asked to wait (`Retry-After`) after a local resource failure. */
export const LOCAL_RESOURCE_RETRY_AFTER_MS = 1_000;

/** The first local-resource system code on `error` or its causes (at most 5 levels), if any. */
export function localResourceCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const record = current as { code?: unknown; metadata?: { systemCode?: unknown }; cause?: unknown };
    if (typeof record.code === "string" && LOCAL_RESOURCE_CODES.has(record.code)) return record.code;
    const systemCode = record.metadata?.systemCode;
    if (typeof systemCode === "string" && LOCAL_RESOURCE_CODES.has(systemCode)) return systemCode;
    current = record.cause;
  }
  return undefined;
}

/**
 * True when a failed attempt failed on this host, not upstream: code `MM_LOCAL_RESOURCE`, code
 * `MM_STORE_UNAVAILABLE` (the shared state store could not be reached), or a local-resource system code on the
 * error or its causes whatever category a connector gave it. The router neither records such a failure on the
 * route nor parks the provider's endpoint for it (docs/errors.md).
 */
export function isLocalFailure(error: ModelMeshError): boolean {
  return error.code === "MM_LOCAL_RESOURCE" || error.code === "MM_STORE_UNAVAILABLE" || localResourceCode(error) !== undefined;
}
