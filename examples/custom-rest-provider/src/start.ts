/** `pnpm start`: mock model server → inference service → InferenceProvider, all on 127.0.0.1. */
import { startMockProvider } from "@modelmesh/testing/server";
import { startInferenceServer } from "./inference-server.js";
import { run } from "./run.js";

const apiKey = "sk-example-inference-0123456789";
const mock = await startMockProvider({ models: [{ id: "inference-large" }], apiKey });
const server = await startInferenceServer({ upstream: mock.url });
try {
  const result = await run({ baseUrl: server.baseUrl, apiKey, model: "inference-large" });
  console.log(`chat:   ${result.chat}`);
  console.log(`stream: ${result.stream}`);
  console.log(`quota:  ${result.quota.requests} requests, ${result.quota.tokens} tokens, $${result.quota.costUsd.toFixed(6)}`);
} finally {
  await server.close();
  await mock.close();
}
