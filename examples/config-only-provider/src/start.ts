/** `pnpm start`: runs the example offline against the fault-injecting mock provider on 127.0.0.1. */
import { startMockProvider } from "@modelmesh/testing/server";
import { run } from "./run.js";

const PROXY_KEY = "sk-example-proxy-key-0123456789";
const mock = await startMockProvider({ models: [{ id: "gpt-4o", contextWindow: 128_000 }], apiKey: PROXY_KEY });
try {
  const result = await run({ UPSTREAM_URL: mock.url, PROXY_KEY });
  console.log(`[${result.providerId}] chat:   ${result.chat}`);
  console.log(`[${result.providerId}] stream: ${result.stream}`);
} finally {
  await mock.close();
}
