/**
 * Secret store conformance: values resolve, missing names reject with `MM_SECRET_MISSING` without leaking
 * any value, optional management methods (`has`, `list`, `set`, `delete`) behave and invalidate caches.
 */
import type { SecretStoreConnectorV1 } from "@modelmesh/core";
import { check, codeOf, ConformanceSkip, equal, hasMethod, rejection, show, within } from "./assert.js";
import type { ConformanceCheck, ConformanceSuite, SuiteEnvironment } from "./runner.js";
import { describeConformance } from "./vitest-suite.js";

/** The secrets a store under test must hold (seed them in `create`). */
export const CONFORMANCE_SECRETS: Readonly<Record<string, string>> = Object.freeze({
  "conformance-api-key": "sk-conformance-secret-value-0001",
  "conformance-other": "second-secret-value-0002",
});

/** Capability flags of a secret store. */
export interface SecretStoreCapabilities {
  [flag: string]: boolean | undefined;
  /** `set` / `delete` change the store (default true; false for read-only stores). */
  write?: boolean;
  /** Missing names reject (default true); false when the store resolves them to `""`. */
  failOnMissing?: boolean;
}

/** Options of `describeSecretStoreConformance`. */
export interface SecretStoreConformanceOptions {
  /** Builds a fresh store holding {@link CONFORMANCE_SECRETS} (the names and values in `context.secrets`). */
  create: (context: { secrets: Record<string, string> }) => SecretStoreConnectorV1 | Promise<SecretStoreConnectorV1>;
  capabilities?: SecretStoreCapabilities;
}

/** What a secret-store check gets. */
export interface SecretStoreCheckContext {
  readonly capabilities: Required<Pick<SecretStoreCapabilities, "write" | "failOnMissing">>;
  create(): Promise<SecretStoreConnectorV1>;
}

type Check = ConformanceCheck<SecretStoreCheckContext, SecretStoreCapabilities>;

const MISSING = "conformance-missing-secret";
const VALUES = Object.values(CONFORMANCE_SECRETS);

async function withStore(context: SecretStoreCheckContext, body: (store: SecretStoreConnectorV1) => Promise<void>): Promise<void> {
  const store = await context.create();
  try {
    await body(store);
  } finally {
    await Promise.resolve(store.close?.()).catch(() => {});
  }
}

function noValueIn(text: string, what: string): void {
  for (const value of VALUES) check(!text.includes(value), `${what} must never contain a secret value`);
}

function optional<K extends keyof SecretStoreConnectorV1>(store: SecretStoreConnectorV1, method: K): NonNullable<SecretStoreConnectorV1[K]> {
  if (typeof store[method] !== "function") throw new ConformanceSkip(`the store has no ${String(method)}()`);
  return (store[method] as (...args: unknown[]) => unknown).bind(store) as NonNullable<SecretStoreConnectorV1[K]>;
}

/** Every secret-store check. */
export const secretStoreConformanceChecks: readonly Check[] = [
  {
    name: "declares specificationVersion v1, an id and get()",
    group: "contract",
    run: (context) =>
      withStore(context, async (store) => {
        equal(store.specificationVersion, "v1", "specificationVersion");
        check(typeof store.id === "string" && store.id !== "", `id must be a non-empty string, got ${show(store.id)}`);
        hasMethod(store, "get", "a SecretStoreConnectorV1");
      }),
  },
  {
    name: "get resolves every stored secret",
    group: "contract",
    run: (context) =>
      withStore(context, async (store) => {
        for (const [name, value] of Object.entries(CONFORMANCE_SECRETS)) equal(await within(store.get(name), 5_000, `get(${show(name)})`), value, `get(${show(name)})`);
        const both = await Promise.all([store.get("conformance-api-key"), store.get("conformance-api-key")]);
        equal(both[1], both[0], "two concurrent get() of one name");
      }),
  },
  {
    name: "a missing secret rejects with MM_SECRET_MISSING and no value in the message",
    group: "contract",
    requires: ["failOnMissing"],
    run: (context) =>
      withStore(context, async (store) => {
        const error = await rejection(() => store.get(MISSING), 5_000, `get(${show(MISSING)})`);
        equal(codeOf(error), "MM_SECRET_MISSING", "code of a missing secret");
        const message = error instanceof Error ? error.message : String(error);
        check(message.includes(MISSING), `the message should name the missing secret, got ${show(message)}`);
        noValueIn(message, "the missing-secret message");
      }),
  },
  {
    name: "has() tells stored from missing names",
    group: "optional",
    run: (context) =>
      withStore(context, async (store) => {
        const has = optional(store, "has");
        equal(await has("conformance-api-key"), true, `has("conformance-api-key")`);
        equal(await has(MISSING), false, `has(${show(MISSING)})`);
      }),
  },
  {
    name: "list() returns names, never values",
    group: "optional",
    run: (context) =>
      withStore(context, async (store) => {
        const names = await optional(store, "list")();
        check(Array.isArray(names), `list() must resolve an array, got ${show(names)}`);
        for (const name of Object.keys(CONFORMANCE_SECRETS)) check(names.includes(name), `list() must include ${show(name)}`);
        noValueIn(JSON.stringify(names), "list()");
      }),
  },
  {
    name: "set() then get() returns the new value (no stale cache)",
    group: "write",
    requires: ["write"],
    run: (context) =>
      withStore(context, async (store) => {
        const set = optional(store, "set");
        equal(await store.get("conformance-other"), CONFORMANCE_SECRETS["conformance-other"], "get before set");
        await set("conformance-other", "rotated-value-0003");
        equal(await store.get("conformance-other"), "rotated-value-0003", "get after set (a cached old value is stale)");
        await set("conformance-new", "fresh-value-0004");
        equal(await store.get("conformance-new"), "fresh-value-0004", "get of a newly set secret");
      }),
  },
  {
    name: "delete() removes a secret and reports whether it existed",
    group: "write",
    requires: ["write"],
    run: (context) =>
      withStore(context, async (store) => {
        const remove = optional(store, "delete");
        equal(await store.get("conformance-api-key"), CONFORMANCE_SECRETS["conformance-api-key"], "get before delete");
        equal(await remove("conformance-api-key"), true, "delete of a stored secret");
        equal(await remove("conformance-api-key"), false, "a second delete");
        if (context.capabilities.failOnMissing) {
          const error = await rejection(() => store.get("conformance-api-key"), 5_000, "get after delete");
          equal(codeOf(error), "MM_SECRET_MISSING", "code of get after delete");
        }
      }),
  },
  {
    name: "close() is idempotent",
    group: "optional",
    run: async (context) => {
      const store = await context.create();
      const close = optional(store, "close");
      await within(close(), 5_000, "close()");
      await within(close(), 5_000, "a second close()");
    },
  },
];

/** The secret-store suite. */
export const secretStoreConformance: ConformanceSuite<SecretStoreConformanceOptions, SecretStoreCheckContext, SecretStoreCapabilities> = {
  kind: "secret store",
  checks: secretStoreConformanceChecks,
  capabilities: (options) => ({ write: options.capabilities?.write ?? true, failOnMissing: options.capabilities?.failOnMissing ?? true }),
  async setup(options): Promise<SuiteEnvironment<SecretStoreCheckContext>> {
    const capabilities = secretStoreConformance.capabilities(options) as SecretStoreCheckContext["capabilities"];
    return { context: { capabilities, create: async () => options.create({ secrets: { ...CONFORMANCE_SECRETS } }) }, close: async () => {} };
  },
};

/**
 * Registers the secret-store conformance suite in the current vitest file.
 * @example
 * describeSecretStoreConformance("MemorySecretStore", { create: ({ secrets }) => new MemorySecretStore({ secrets }) });
 */
export function describeSecretStoreConformance(name: string, options: SecretStoreConformanceOptions): void {
  describeConformance(secretStoreConformance, name, options);
}
