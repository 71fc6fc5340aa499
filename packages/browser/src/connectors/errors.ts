/**
 * The typed errors of the browser connectors. Messages follow `[modelmesh] [<where>] <what>. <fix>.`, name the
 * connector id, the key and sizes, and never contain stored data or secret values.
 */
import { ConfigError, ModelMeshError, formatMessage } from "@modelmesh/core/runtime";

/** `[storage:<id>]`, the prefix cdk's storages use too. */
const at = (storageId: string) => `storage:${storageId}`;

/** True for the browser's "storage is full" error (`QuotaExceededError`; legacy Firefox name and code 22 included). */
export function isQuotaExceeded(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED" || code === 22;
}

/** An option of a browser connector that is not valid (category `config`, like every config failure). */
export function optionError(path: string, message: string): ConfigError {
  return new ConfigError({ issues: [{ path, message }] });
}

/**
 * The browser refused a write because the origin's storage quota is used up: code `MM_LOCAL_RESOURCE` (this
 * host ran out of something; no upstream is to blame), with the storage id, the key and the size tried.
 */
export function quotaError(storageId: string, key: string, bytes: number, stored: string, fix: string, cause: unknown): ModelMeshError {
  return new ModelMeshError({
    name: "ModelMeshStorageQuotaError",
    code: "MM_LOCAL_RESOURCE",
    category: "internal",
    retryable: false,
    message: formatMessage(at(storageId), `the browser's storage quota is exceeded: could not store '${key}' (${bytes} bytes of data, ${stored})`, fix),
    metadata: { storage: storageId, key, bytes },
    cause,
  });
}

/** The backing store cannot be used at all (no IndexedDB, private mode, blocked upgrade): `MM_STORE_UNAVAILABLE`. */
export function unavailableError(storageId: string, what: string, fix: string, cause?: unknown, retryable = false): ModelMeshError {
  return new ModelMeshError({
    name: "ModelMeshStorageUnavailableError",
    code: "MM_STORE_UNAVAILABLE",
    category: "internal",
    retryable,
    message: formatMessage(at(storageId), what, fix),
    metadata: { storage: storageId },
    cause,
  });
}

/** Any other failure of a storage operation (`MM_INTERNAL`), with the browser's error name. */
export function operationError(storageId: string, action: string, key: string, cause: unknown): ModelMeshError {
  const name = typeof cause === "object" && cause !== null && typeof (cause as { name?: unknown }).name === "string" ? (cause as { name: string }).name : "Error";
  return new ModelMeshError({
    code: "MM_INTERNAL",
    category: "internal",
    retryable: false,
    message: formatMessage(at(storageId), `could not ${action} '${key}' (${name})`),
    metadata: { storage: storageId, key },
    cause,
  });
}

/** A stored entry that this connector cannot read back (edited by hand, or written by something else). */
export function corruptError(storageId: string, key: string, what: string): ModelMeshError {
  return new ModelMeshError({
    code: "MM_INTERNAL",
    category: "internal",
    retryable: false,
    message: formatMessage(at(storageId), `the entry '${key}' ${what}`, "Delete it; the state it held starts from empty."),
    metadata: { storage: storageId, key },
  });
}

/** `acquire` waited `waitMs` without getting the lock; same code and name as cdk's lock backends. */
export function lockTimeoutError(storageId: string, key: string, waitMs: number, heldUntil: number | undefined): ModelMeshError {
  const holder = heldUntil === undefined ? "another page, worker or connector of this origin holds it" : `it is held until ${new Date(heldUntil).toISOString()}`;
  return new ModelMeshError({
    name: "ModelMeshLockTimeoutError",
    code: "MM_TIMEOUT_RESPONSE",
    category: "timeout",
    retryable: true,
    message: `[modelmesh] [${at(storageId)}] could not acquire the lock on '${key}' within ${waitMs} ms; ${holder}`,
  });
}
