/** @modelmesh/discovery: Discovery connectors for ModelMesh: provider health monitor and model registry sync. */
declare const __PACKAGE_VERSION__: string;

export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";

export { DISCOVERY_CONNECTORS, healthMonitorConfigSchema, healthMonitorConnector, registrySyncConfigSchema, registrySyncConnector } from "./connectors.js";
export { HealthMonitor, type HealthMonitorOptions } from "./health-monitor.js";
export { RegistrySync, type RegistrySyncOptions } from "./registry-sync.js";
