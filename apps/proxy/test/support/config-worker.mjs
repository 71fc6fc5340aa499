/**
 * Worker thread of the config abuse test: runs the core's loadConfig on each document it is sent, so that the
 * test thread can enforce a deadline (and terminate the worker) even if a document made the loader spin.
 * Documents arrive as bytes and are decoded the way the proxy reads a config file (UTF-8, invalid sequences
 * replaced).
 */
import { parentPort } from "node:worker_threads";
import { CapabilityTree, ConfigError, loadConfig } from "@modelmesh/core";

const tree = CapabilityTree.createDefault();

parentPort.on("message", async ({ id, bytes, env }) => {
  const text = new TextDecoder("utf-8").decode(bytes);
  const started = performance.now();
  try {
    await loadConfig(text, { env, tree, file: "fuzz.yaml" });
    parentPort.postMessage({ id, outcome: "valid", ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({
      id,
      outcome: ConfigError.is(error) ? "config_error" : "crash",
      code: error?.code,
      issues: Array.isArray(error?.issues) ? error.issues.length : 0,
      message: String(error?.message),
      stack: String(error?.stack),
      ms: performance.now() - started,
    });
  }
});
