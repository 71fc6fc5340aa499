/**
 * A `create()` client on a shared Redis, as one proxy instance would be: the config file names the package in
 * `connectors.packages`, which maps here to this package's source (so the tests run the code under test, not a
 * build of it).
 */
import { tmpdir } from "node:os";
import { ConnectorRegistry, type ModuleImporter } from "@modelmesh/core";
import { create, createDefaultRegistry, type MeshClient } from "modelmesh";

const importer: ModuleImporter = (specifier) => (specifier === "@modelmesh/storage-redis" ? import("../../src/index.js") : import(/* @vite-ignore */ specifier));

/** A chat client on `config` (a file path) with `REDIS_URL` set to `redisUrl`; pushed onto `open` to be closed later. */
export function redisMeshClient(config: string, redisUrl: string, open: MeshClient[]): MeshClient {
  const registry = new ConnectorRegistry({ importer, connectors: createDefaultRegistry().list() });
  const mesh = create("chat-completion", { config, env: { REDIS_URL: redisUrl }, cwd: tmpdir(), mesh: { registry } });
  open.push(mesh);
  return mesh;
}
