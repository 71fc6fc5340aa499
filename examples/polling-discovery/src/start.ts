/** `pnpm start`: the primary goes down; the monitor notices and the pool stops trying it. */
import { startMockProvider } from "@modelmesh/testing/server";
import { startMonitoredMesh } from "./monitor.js";

const primary = await startMockProvider();
const backup = await startMockProvider();
const monitored = await startMonitoredMesh({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url }, { intervalMs: 100 });
const ask = async () => (await monitored.mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] })).trace.attempts.map((a) => `${a.providerId}:${a.ok ? "ok" : a.error?.code}`).join(" → ");
try {
  console.log(`healthy:        ${await ask()}`);
  const remove = primary.fault({ fault: { kind: "status", status: 503 } });
  while (monitored.degraded().length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  await monitored.applyHealth();
  console.log(`primary down:   ${await ask()}   (degraded: ${monitored.degraded().join(", ")})`);
  remove();
  while (monitored.degraded().length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  await monitored.applyHealth();
  console.log(`primary back:   ${(await monitored.mesh.ledger.providerStatus("primary")).status} (the next request goes to it again)`);
  console.log((await monitored.discovery.getHealthReport()).map((r) => `${r.providerId}: availability ${r.availabilityScore.toFixed(2)}`).join("\n"));
} finally {
  await monitored.close();
  await primary.close();
  await backup.close();
}
