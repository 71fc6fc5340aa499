import { ConfigError } from "../errors/errors.js";
import { ModelMeshError, formatMessage } from "../errors/model-mesh-error.js";
import { closeMatches } from "./suggest.js";
import type { CapabilityTreeView } from "./types.js";

/** The part of a pool that name resolution needs. */
export interface NamedPool {
  /** Pool id, as configured (or predefined). */
  id: string;
  /** Full path of the node the pool targets; absent for explicit-models-only pools. */
  capability?: string;
}

/** The part of a registered model that name resolution needs. */
export interface NamedModel {
  /** Config id, e.g. `openai.gpt-4o` or `openai.gpt-4.1`. Never split: it is matched whole. */
  id: string;
  /** Provider id (config name), e.g. `openai`. */
  providerId: string;
  /** The vendor's model id sent upstream, e.g. `gpt-4o`. */
  upstreamModel: string;
}

/** What a virtual model name (the OpenAI `model` field) resolved to. */
export type NameResolution =
  /** The name is a configured or predefined pool id; `node` is the pool's target, if it has one. */
  | { kind: "pool"; poolId: string; node?: string }
  /**
   * The name is a full capability path (`capability`) or a unique short node name (`alias`). `poolId` is
   * an existing pool targeting exactly that node, if any; otherwise the caller builds a pool on demand.
   */
  | { kind: "capability" | "alias"; node: string; poolId?: string }
  /** The name is a concrete model: a single-model route. */
  | { kind: "model"; modelId: string };

/** What {@link resolveVirtualName} looks names up in. */
export interface NameContext {
  /** The capability tree (shipped plus custom nodes). */
  tree: CapabilityTreeView;
  /** Pools keyed by id, predefined ones included. */
  pools: ReadonlyMap<string, NamedPool>;
  /** Registered models keyed by config id. */
  models: ReadonlyMap<string, NamedModel>;
}

/**
 * Longest virtual model name accepted (characters). Pool ids, capability paths and model ids are far shorter;
 * a longer name is rejected before any lookup or suggestion work, so the cost of a request never grows with
 * the length of its `model` field.
 */
export const MAX_VIRTUAL_NAME_LENGTH = 256;

/** How much of a rejected name the error quotes. */
const QUOTED_PREFIX = 32;

/**
 * Throws `MM_INVALID_REQUEST` (category `invalid_request`) when `name` is longer than
 * {@link MAX_VIRTUAL_NAME_LENGTH}. The message names the limit and the length and quotes only the first
 * characters of the name.
 */
export function checkVirtualNameLength(name: string): void {
  if (name.length <= MAX_VIRTUAL_NAME_LENGTH) return;
  throw new ModelMeshError({
    code: "MM_INVALID_REQUEST",
    category: "invalid_request",
    message: formatMessage(
      "resolve",
      `the model name "${name.slice(0, QUOTED_PREFIX)}…" is ${name.length} characters long; the limit is ${MAX_VIRTUAL_NAME_LENGTH}`,
      "Use a configured pool or model id, or a capability such as chat-completion.",
    ),
    metadata: { limit: MAX_VIRTUAL_NAME_LENGTH, length: name.length },
  });
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf(".") + 1);
}

function ambiguous(name: string, what: string, candidates: string[], fix: string): ModelMeshError {
  return new ModelMeshError({
    code: "MM_AMBIGUOUS_NAME",
    category: "invalid_request",
    message: formatMessage("resolve", `"${name}" is ambiguous: it names ${what} ${candidates.join(", ")}`, fix),
    metadata: { name, candidates },
  });
}

/**
 * The pool targeting exactly `node`. Deterministic when several do: the one whose id equals the node's
 * last segment wins, else the alphabetically first id (code-unit order, independent of locale and of
 * config order).
 */
function poolForNode(node: string, pools: ReadonlyMap<string, NamedPool>): string | undefined {
  const preferred = lastSegment(node);
  let best: string | undefined;
  for (const pool of pools.values()) {
    if (pool.capability !== node) continue;
    if (pool.id === preferred) return pool.id;
    if (best === undefined || pool.id < best) best = pool.id;
  }
  return best;
}

/** Step 2: a full path or a unique short name. Throws when the short name is shared by several nodes. */
function resolveCapability(name: string, ctx: NameContext): NameResolution | undefined {
  let kind: "capability" | "alias";
  let node: string | undefined;
  if (ctx.tree.has(name)) {
    kind = "capability";
    node = name;
  } else {
    kind = "alias";
    node = ctx.tree.tryResolve(name);
    // Node names never contain dots, so only a dot-free name can be an ambiguous alias.
    if (node === undefined && !name.includes(".")) {
      const candidates = ctx.tree.paths().filter((path) => lastSegment(path) === name);
      if (candidates.length > 1) throw ambiguous(name, "the capabilities", candidates, "Use the full capability path.");
    }
  }
  if (node === undefined) return undefined;
  const poolId = poolForNode(node, ctx.pools);
  return poolId === undefined ? { kind, node } : { kind, node, poolId };
}

/** Step 3: config id, else the upstream id or `provider/upstream` form when exactly one model carries it. */
function resolveModel(name: string, models: ReadonlyMap<string, NamedModel>): NameResolution | undefined {
  const exact = models.get(name);
  if (exact !== undefined) return { kind: "model", modelId: exact.id };
  const matches: string[] = [];
  for (const model of models.values()) {
    if (model.upstreamModel === name || `${model.providerId}/${model.upstreamModel}` === name) matches.push(model.id);
  }
  if (matches.length > 1) throw ambiguous(name, "the models", matches, "Use the model's config id.");
  return matches.length === 1 ? { kind: "model", modelId: matches[0]! } : undefined;
}

function suggestionPool(name: string, ctx: NameContext): string[] {
  const out: string[] = [...ctx.pools.keys()];
  for (const path of ctx.tree.paths()) {
    const alias = lastSegment(path);
    if (ctx.tree.tryResolve(alias) === path) out.push(alias);
    // Full paths only help when the caller typed a dotted path.
    if (name.includes(".")) out.push(path);
  }
  for (const model of ctx.models.values()) out.push(model.id, model.upstreamModel);
  return out;
}

/**
 * Resolves a virtual model name (the OpenAI `model` field) deterministically, in this order:
 * 1. an exact pool id (predefined pools included) → `pool`;
 * 2. a full capability path → `capability`, or a unique short node name → `alias`, each with the pool
 *    targeting exactly that node when one exists (see the tie-break below);
 * 3. a concrete model: its config id (`openai.gpt-4o`), or, when exactly one model carries it, its
 *    upstream id (`gpt-4o`) or `provider/upstream` form (`openai/gpt-4o`) → `model`.
 *
 * Ids are matched whole, never split at dots, so `openai.gpt-4.1` and `gpt-4.1` work. When several pools
 * target the same node, the pool whose id equals the node's last segment wins, else the alphabetically
 * first id: the result never depends on config order.
 *
 * @throws ModelMeshError `MM_AMBIGUOUS_NAME` (category `invalid_request`) when a short name names several
 *   nodes, or an upstream / `provider/upstream` form names several models; the message lists them.
 * @throws ModelMeshError `MM_UNKNOWN_MODEL` (category `invalid_request`) when nothing matches; the message
 *   lists up to 5 close matches among pools, aliases and models.
 * @throws ModelMeshError `MM_INVALID_REQUEST` (category `invalid_request`) when the name is longer than
 *   {@link MAX_VIRTUAL_NAME_LENGTH} characters.
 */
export function resolveVirtualName(name: string, ctx: NameContext): NameResolution {
  checkVirtualNameLength(name);
  const pool = ctx.pools.get(name);
  if (pool !== undefined) {
    return pool.capability === undefined ? { kind: "pool", poolId: pool.id } : { kind: "pool", poolId: pool.id, node: pool.capability };
  }
  const resolved = resolveCapability(name, ctx) ?? resolveModel(name, ctx.models);
  if (resolved !== undefined) return resolved;
  const suggestions = closeMatches(name, suggestionPool(name, ctx), 5);
  throw new ModelMeshError({
    code: "MM_UNKNOWN_MODEL",
    category: "invalid_request",
    message: formatMessage(
      "resolve",
      `no pool, capability or model named "${name}"`,
      suggestions.length > 0
        ? `Close matches: ${suggestions.join(", ")}.`
        : "Use a configured pool or model id, or a capability such as chat-completion.",
    ),
    metadata: { name, suggestions },
  });
}

/** The pool settings that decide membership (config keys in camelCase). */
export interface PoolMembershipSpec {
  /** Target node (full path or alias). Absent: the pool is exactly `models`. */
  capability?: string;
  /** Explicit members; added to the capability's members, listed first. */
  models?: string[];
  /** Only models of these providers. Absent: all providers. An empty list admits none. */
  providers?: string[];
  /** Drop models of these providers. */
  excludedProviders?: string[];
}

/** The part of a registered model that pool membership needs. */
export interface MemberModel {
  /** Config id. */
  id: string;
  /** Provider id. */
  providerId: string;
  /** Full leaf paths the model is registered at. */
  capabilities: string[];
}

/**
 * The member model ids of a pool: every model registered at the pool's node or any descendant, plus the
 * explicit `models` (explicit only when there is no capability), then filtered by `providers` and
 * `excludedProviders`. Order: explicit models first in their listed order, then the others in iteration
 * (registration) order. No duplicates.
 *
 * @throws ModelMeshError `MM_CAPABILITY_INVALID` / `MM_AMBIGUOUS_NAME` when the capability does not
 *   resolve, and a `ConfigError` (`MM_CONFIG_INVALID`) when an explicit model is not among `models`.
 */
export function poolMembers(pool: PoolMembershipSpec, models: Iterable<MemberModel>, tree: CapabilityTreeView): string[] {
  const all = [...models];
  const byId = new Map(all.map((model) => [model.id, model]));
  const admitted = (model: MemberModel): boolean =>
    (pool.providers === undefined || pool.providers.includes(model.providerId)) &&
    !(pool.excludedProviders ?? []).includes(model.providerId);
  const members = new Set<string>();
  for (const id of pool.models ?? []) {
    const model = byId.get(id);
    if (model === undefined) {
      throw new ConfigError({ issues: [{ path: "pools", message: `a pool lists model "${id}", which is not registered. Register the model or remove it from the pool.` }] });
    }
    if (admitted(model)) members.add(id);
  }
  if (pool.capability !== undefined) {
    const node = tree.resolve(pool.capability);
    for (const model of all) {
      if (admitted(model) && model.capabilities.some((leaf) => tree.isAncestorOrSelf(node, leaf))) members.add(model.id);
    }
  }
  return [...members];
}
