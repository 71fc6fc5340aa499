/** `pnpm start`: the primary provider answers 503; watch the pool deactivate it and fail over. */
import { startMockProvider } from "@modelmesh/testing/server";
import { run } from "./run.js";

const primary = await startMockProvider({ faults: [{ fault: { kind: "status", status: 503 } }] });
const backup = await startMockProvider();
try {
  const result = await run({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url });
  console.log(`policies: ${result.policies.deactivation} + ${result.policies.recovery}`);
  result.requests.forEach((served, i) => console.log(`request ${i + 1}: ${served.attempts.join(" → ")}  "${served.content}"`));
  for (const { routeId, reason } of result.deactivated) console.log(`standby: ${routeId} (${reason})`);
} finally {
  await primary.close();
  await backup.close();
}
