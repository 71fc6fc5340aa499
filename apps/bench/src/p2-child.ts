/**
 * Child-process entry of the P2/P3 harness: `node dist/p2-child.js <role> [arg]` starts one server on
 * 127.0.0.1, prints `{"ready":true,"url":…}` and runs until SIGTERM.
 * Roles: `upstream`; `pass-through <upstream origin>`; `modelmesh <upstream base URL>`.
 */
import { announceReady, closeOnSignal } from "./p2-servers.js";
import { startModelMeshProxy } from "./p2-targets.js";
import { startPassThrough } from "./p3-pass-through.js";
import { startUpstream } from "./upstream.js";

const [role, arg] = process.argv.slice(2);

function needArg(): string {
  if (!arg) throw new Error(`[modelmesh] [bench] role '${role}' needs an upstream URL argument`);
  return arg;
}

switch (role) {
  case "upstream": {
    const upstream = await startUpstream();
    closeOnSignal(() => upstream.close());
    announceReady(upstream.url);
    break;
  }
  case "pass-through": {
    const proxy = await startPassThrough(needArg());
    closeOnSignal(() => proxy.close());
    announceReady(proxy.origin);
    break;
  }
  case "modelmesh": {
    const proxy = await startModelMeshProxy(needArg());
    closeOnSignal(() => proxy.close());
    announceReady(proxy.url);
    break;
  }
  default:
    throw new Error(`[modelmesh] [bench] unknown role '${role}': use upstream, pass-through or modelmesh`);
}
