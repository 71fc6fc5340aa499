/**
 * `@modelmesh/testing`'s observability conformance suite for the connectors of this package. The webhook's
 * output is what a real receiver on 127.0.0.1 got (after close() flushed it); the file sink's is its file.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConsoleObservability } from "@modelmesh/cdk";
import { FileObservability } from "@modelmesh/cdk/node";
import { describeObservabilityConformance } from "@modelmesh/testing";
import { afterAll } from "vitest";
import { CallbackObservability, PrometheusObservability, WebhookObservability } from "../src/index.js";
import { startReceiver, type Receiver } from "./support/receiver.js";

let receiver: Promise<Receiver> | undefined;
const sink = () => (receiver ??= startReceiver());
afterAll(async () => {
  await (await receiver)?.close();
});

const seen = new WeakMap<object, number>();
describeObservabilityConformance("WebhookObservability", {
  create: async () => {
    const r = await sink();
    const hook = new WebhookObservability({ url: r.url, batchSize: 5, onError: () => {} });
    seen.set(hook, r.requests.length);
    return hook;
  },
  output: async (connector) => {
    await connector.close?.();
    const r = await sink();
    return r.requests.slice(seen.get(connector) ?? 0).map((request) => request.raw).join("\n");
  },
});

const lines: string[] = [];
describeObservabilityConformance("ConsoleObservability (modelmesh.console.v1)", {
  create: () => new ConsoleObservability({ useColor: false, write: (line) => lines.push(line) }),
  output: () => lines.join("\n"),
});

const dir = mkdtempSync(join(tmpdir(), "mm-obs-conf-"));
let files = 0;
describeObservabilityConformance("FileObservability (modelmesh.json-log.v1)", {
  create: () => new FileObservability({ filePath: join(dir, `${++files}.jsonl`) }),
  output: async (connector) => {
    await connector.close?.();
    return readFileSync((connector as FileObservability).filePath, "utf8");
  },
});

describeObservabilityConformance("CallbackObservability", {
  create: () => new CallbackObservability({ onEvent: () => {}, onLog: () => {}, onStats: () => {}, onTrace: () => {} }),
});

describeObservabilityConformance("PrometheusObservability", {
  create: () => new PrometheusObservability(),
});
