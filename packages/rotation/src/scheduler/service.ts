import { RECOVERY_SCHEDULER_ID, schedulerKeys, type MeshServiceDescriptor, type PoolConfig } from "@modelmesh/core";
import { MaintenanceScheduler } from "./maintenance-scheduler.js";
import { RecoveryScheduler, type RecoveryMesh } from "./recovery-scheduler.js";

/** True when some pool has a maintenance window (the maintenance scheduler parks its routes ahead of time). */
function hasMaintenance(config: { pools: Readonly<Record<string, PoolConfig>> }): boolean {
  return Object.values(config.pools).some((pool) => pool.deactivation.maintenance_window !== undefined);
}

type SchedulerConfig = { pools: Readonly<Record<string, PoolConfig>> };

/**
 * The background service `createMesh` starts when a config asks for clock-driven recovery: `recovery.probe_on_start`,
 * `recovery.probe_interval`, `provider_deactivation: on_api_outage` (the {@link RecoveryScheduler}), or a
 * `deactivation.maintenance_window` (the {@link MaintenanceScheduler}, which parks routes as a window opens). Start-up
 * probes run in the background, so a dead provider does not hold `createMesh` up; `close()` stops the timers and
 * waits for probes in flight.
 * @example
 * const registry = new ConnectorRegistry({ connectors: [...ROTATION_CONNECTORS], services: [...ROTATION_SERVICES] });
 */
export const recoverySchedulerService: MeshServiceDescriptor<RecoveryMesh> = {
  id: RECOVERY_SCHEDULER_ID,
  description: "Recovery probes (at start-up, periodic), provider outage detection and maintenance windows.",
  wants: (config) => schedulerKeys(config as SchedulerConfig).length > 0 || hasMaintenance(config as SchedulerConfig),
  async start(mesh) {
    const config = mesh.config as SchedulerConfig;
    const recovery = schedulerKeys(config).length > 0 ? new RecoveryScheduler(mesh) : undefined;
    const maintenance = hasMaintenance(config) ? new MaintenanceScheduler(mesh) : undefined;
    await maintenance?.start();
    // Start-up probes may take a probe timeout each: they run behind createMesh, not in front of it.
    const starting = recovery?.start().catch(() => []);
    return {
      async stop() {
        await starting;
        recovery?.stop();
        maintenance?.stop();
        await Promise.allSettled([recovery?.idle(), maintenance?.idle()]);
      },
    };
  },
};

/** Every background service of this package (register them next to {@link ROTATION_CONNECTORS}). */
export const ROTATION_SERVICES: readonly MeshServiceDescriptor<RecoveryMesh>[] = Object.freeze([recoverySchedulerService]);
