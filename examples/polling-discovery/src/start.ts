/** `pnpm start`: the primary goes down; the mesh's health monitor notices and the pool stops trying it. */
import type { ProviderHealthEvent } from "@modelmesh/core";
import { startMockProvider } from "@modelmesh/testing/server";
import { startMonitoredMesh } from "./monitor.js";

const primary = await startMockProvider();
const backup = await startMockProvider();
const mesh = await startMonitoredMesh({ PRIMARY_URL: primary.url, BACKUP_URL: backup.url, HEALTH_INTERVAL: "100ms" });
const ask = async () => (await mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] })).trace.attempts.map((a) => `${a.providerId}:${a.ok ? "ok" : a.error?.code}`).join(" → ");
/** The next provider-health event for the primary (or an error after `ms`: a demo must not hang). */
const nextHealth = (ms = 5_000) =>
  new Promise<ProviderHealthEvent>((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no provider-health event within ${ms}ms`))), ms);
    const off = mesh.events.on("provider-health", (event) => {
      if (event.providerId !== "primary") return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
/** Polls the ledger until the primary has `status` (bounded). */
const primaryIs = async (status: string, ms = 5_000) => {
  for (const deadline = Date.now() + ms; (await mesh.ledger.providerStatus("primary")).status !== status; ) {
    if (Date.now() > deadline) throw new Error(`primary did not become ${status} within ${ms}ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
};
try {
  console.log(`healthy:        ${await ask()}`);
  const down = nextHealth();
  const remove = primary.fault({ fault: { kind: "status", status: 503 } });
  const out = await down;
  await primaryIs("standby");
  console.log(`primary down:   ${await ask()}   (after ${out.consecutiveFailures} failed probes: ${out.error})`);
  const up = nextHealth();
  remove();
  await up;
  await primaryIs("active");
  console.log(`primary back:   ${await ask()}`);
} finally {
  await mesh.close();
  await primary.close();
  await backup.close();
}
