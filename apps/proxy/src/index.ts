/**
 * @modelmesh/proxy — the ModelMesh OpenAI-compatible proxy server and the `modelmesh` CLI.
 * @example
 * import { startProxy } from "@modelmesh/proxy";
 * const proxy = await startProxy({ configPath: "modelmesh.yaml" });
 */
export { startProxy, type ProxyHandle, type ProxyOptions } from "./server.js";
export type { ReloadResult } from "./reload.js";
export { CorsOriginError } from "./cors.js";
export { runCli, parseArgs, type CliIO } from "./cli-main.js";
export { errorReply, sseErrorEvent, ProxyHttpError, type ErrorReply, type OpenAIErrorObject } from "./http/errors.js";
export { TokenAuth, checkPoolAccess, resolvedPool, type Principal, type DigestEqual } from "./auth.js";
export { routesHealth, publicPools, type RouteHealth, type ProviderHealth, type PoolView, type RoutesHealth } from "./state.js";
export type { RoutingDecision } from "./decisions.js";
export type { LogSink } from "./log.js";
