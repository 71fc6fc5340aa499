/**
 * Every shipped secret store, storage, observability and discovery class passes its conformance suite from
 * `@modelmesh/testing`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObservabilityConnectorV1 } from "@modelmesh/core";
import {
  describeDiscoveryConformance,
  describeObservabilityConformance,
  describeSecretStoreConformance,
  describeStorageConformance,
} from "@modelmesh/testing";
import { afterAll } from "vitest";
import { BaseDiscovery } from "../../src/services/base-discovery.js";
import { BaseObservability, NullObservability } from "../../src/services/base-observability.js";
import { BaseSecretStore, MemorySecretStore } from "../../src/services/base-secret-store.js";
import { BaseStorage } from "../../src/services/base-storage.js";
import { ConsoleObservability } from "../../src/services/console-observability.js";
import { EnvSecretStore } from "../../src/services/env-secret-store.js";
import { FileObservability } from "../../src/services/file-observability.js";
import { FileSecretStore } from "../../src/services/file-secret-store.js";
import { HttpHealthDiscovery } from "../../src/services/http-health-discovery.js";
import { KeyValueStorage } from "../../src/services/key-value-storage.js";
import { createUndiciTransport } from "../../src/transport/undici-transport.js";

const root = mkdtempSync(join(tmpdir(), "mm-cdk-conformance-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh directory per connector instance. */
const freshDir = () => mkdtempSync(join(root, `${++counter}-`));

// Secret stores
describeSecretStoreConformance("BaseSecretStore", { create: ({ secrets }) => new BaseSecretStore({ secrets }) });
describeSecretStoreConformance("MemorySecretStore", { create: ({ secrets }) => new MemorySecretStore({ secrets }) });
describeSecretStoreConformance("EnvSecretStore", { create: ({ secrets }) => new EnvSecretStore({ env: { ...secrets } }) });
describeSecretStoreConformance("EnvSecretStore with a prefix", {
  create: ({ secrets }) => new EnvSecretStore({ prefix: "MM_", env: Object.fromEntries(Object.entries(secrets).map(([name, value]) => [`MM_${name}`, value])) }),
});
describeSecretStoreConformance("FileSecretStore (.env)", {
  create: ({ secrets }) => {
    const file = join(freshDir(), ".env");
    writeFileSync(file, Object.entries(secrets).map(([name, value]) => `${name}="${value}"`).join("\n"));
    return new FileSecretStore({ filePath: file });
  },
  capabilities: { write: false },
});
describeSecretStoreConformance("FileSecretStore (JSON subtree)", {
  create: ({ secrets }) => {
    const file = join(freshDir(), "secrets.json");
    writeFileSync(file, JSON.stringify({ prod: secrets }));
    return new FileSecretStore({ filePath: file, jsonPath: "prod" });
  },
  capabilities: { write: false },
});
describeSecretStoreConformance("FileSecretStore (TOML)", {
  create: ({ secrets }) => {
    const file = join(freshDir(), "secrets.toml");
    writeFileSync(file, Object.entries(secrets).map(([name, value]) => `"${name}" = "${value}"`).join("\n"));
    return new FileSecretStore({ filePath: file });
  },
  capabilities: { write: false },
});

// Storage
describeStorageConformance("BaseStorage", { create: () => new BaseStorage() });
describeStorageConformance("KeyValueStorage (memory)", { create: () => new KeyValueStorage({ backend: "memory" }) });
describeStorageConformance("KeyValueStorage (file)", { create: () => new KeyValueStorage({ backend: "file", directory: freshDir() }) });

// Observability
const consoleLines = new WeakMap<ObservabilityConnectorV1, string[]>();
describeObservabilityConformance("NullObservability", { create: () => new NullObservability() });
describeObservabilityConformance("BaseObservability", { create: () => new BaseObservability() });
describeObservabilityConformance("ConsoleObservability", {
  create: () => {
    const lines: string[] = [];
    const connector = new ConsoleObservability({ write: (line) => lines.push(line), useColor: true });
    consoleLines.set(connector, lines);
    return connector;
  },
  output: (connector) => (consoleLines.get(connector) ?? []).join("\n"),
});
describeObservabilityConformance("FileObservability (JSONL)", {
  create: () => new FileObservability({ filePath: join(freshDir(), "log.jsonl") }),
  output: async (connector) => {
    const file = connector as FileObservability;
    await file.drain();
    return readFileSync(file.filePath, "utf8");
  },
});

// Discovery
describeDiscoveryConformance("BaseDiscovery", { create: ({ healthy }) => new BaseDiscovery({ providers: [healthy.providerId], models: { [healthy.providerId]: ["model-a"] } }), capabilities: { probes: false } });
describeDiscoveryConformance("HttpHealthDiscovery (fetch)", {
  create: ({ healthPath, healthy, unhealthy }) => new HttpHealthDiscovery({ healthPath, endpoints: { [healthy.providerId]: healthy.baseUrl, [unhealthy.providerId]: unhealthy.baseUrl } }),
});
describeDiscoveryConformance("HttpHealthDiscovery (undici transport)", {
  create: ({ healthPath, healthy, unhealthy }) =>
    new HttpHealthDiscovery({ healthPath, transport: createUndiciTransport(), endpoints: { [healthy.providerId]: healthy.baseUrl, [unhealthy.providerId]: unhealthy.baseUrl } }),
});
