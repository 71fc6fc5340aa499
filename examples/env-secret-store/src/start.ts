/** `pnpm start`: the mock provider requires a key; the mesh finds it in MM_UPSTREAM_KEY. */
import { startMockProvider } from "@modelmesh/testing/server";
import { run } from "./run.js";

const key = process.env.MM_UPSTREAM_KEY ?? "sk-example-env-key-0123456789";
const mock = await startMockProvider({ apiKey: key });
try {
  console.log(await run({ ...process.env, UPSTREAM_URL: mock.url, MM_UPSTREAM_KEY: key }));
  console.log(`sent: ${mock.calls[0]?.headers.authorization}`);
} finally {
  await mock.close();
}
