/**
 * Maps a path in the normalised config back to where it was written: models lifted from
 * `providers.<name>.models[i]` / `providers.<name>.config.models[i]`, and pool synonyms
 * (`hierarchy_node`, `allowed_providers`). Used so reference issues point at the user's own text.
 */
import type { ConfigPath } from "./issues.js";
import { getIn, isRecord } from "./schema-checks.js";

/** Where the inline provider model that became `models[key]` was written, if it was. */
function liftedOrigin(raw: unknown, key: string): ConfigPath | undefined {
  const providers = getIn(raw, ["providers"]);
  if (!isRecord(providers)) return undefined;
  for (const [name, entry] of Object.entries(providers)) {
    if (!key.startsWith(`${name}.`)) continue;
    const id = key.slice(name.length + 1);
    for (const listPath of [["models"], ["config", "models"]]) {
      const list = getIn(entry, listPath);
      if (!Array.isArray(list)) continue;
      const index = list.findIndex((item: unknown) => isRecord(item) && item.id === id);
      if (index >= 0) return ["providers", name, ...listPath, index];
    }
  }
  return undefined;
}

const POOL_SYNONYMS: Record<string, string> = { capability: "hierarchy_node", providers: "allowed_providers" };

/**
 * The source path for `path` of the normalised config, given the raw (pre-schema) document. Paths that
 * were not moved by normalisation are returned unchanged.
 */
export function toSourcePath(path: ConfigPath, raw: unknown): ConfigPath {
  const [section, key, field] = path;
  if (section === "models" && typeof key === "string") {
    const rawModels = getIn(raw, ["models"]);
    if (!(isRecord(rawModels) && Object.hasOwn(rawModels, key))) {
      const origin = liftedOrigin(raw, key);
      if (origin) return [...origin, ...path.slice(2)];
    }
  }
  if (section === "pools" && typeof key === "string" && typeof field === "string" && POOL_SYNONYMS[field]) {
    const pool = getIn(raw, ["pools", key]);
    const synonym = POOL_SYNONYMS[field];
    if (isRecord(pool) && pool[field] === undefined && pool[synonym] !== undefined) {
      return [section, key, synonym, ...path.slice(3)];
    }
  }
  return path;
}
