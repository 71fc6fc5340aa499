import type { CapabilityTreeView } from "../capability/types.js";
import type { SelectionStrategyV1 } from "../connectors/rotation.js";
import type { RouteDescriptor } from "../state/ledger-types.js";
import type { Requirement } from "./requirements.js";
import type { FilterStage, RoutingTrace, TraceCandidate } from "./trace.js";
import type { RouterModel, RouterPool, RouterProvider } from "./types.js";

/** Endpoint kind of a request. */
export type Kind = RoutingTrace["kind"];

/** Endpoint kinds and the capability root a model must serve for each (chat: anything else). */
const KIND_ROOTS = {
  embeddings: "representation.embeddings",
  images: "generation.image-generation",
  speech: "generation.audio-generation.text-to-speech",
  transcription: "understanding.audio-understanding.speech-to-text",
} as const;

/** `<provider>/<upstream model>`: the unit of state, shared by every pool containing the model. */
export function routeIdOf(model: { providerId: string; id: string }): string {
  return `${model.providerId}/${model.id}`;
}

/** A pool member that serves the kind and meets the requirements: what the state filter and the strategy see. */
export interface Candidate {
  model: RouterModel;
  route: RouteDescriptor;
}

/** A pool member (one registered model) and, when it is not a candidate, the filter that removed it. */
export interface Member {
  model: RouterModel;
  routeId: string;
  /** Position in the pool's members. */
  order: number;
  candidate?: Candidate;
  /** `pool`: it does not serve the kind; otherwise the name of the first requirement it fails. */
  excludedBy?: "pool" | { requirement: string };
}

/** Most candidate sets kept per pool and kind (requests with many distinct requirement signatures start over). */
const MAX_SETS_PER_POOL = 64;

/**
 * The candidates of one pool for one endpoint kind and one requirement signature, computed once and shared by
 * every request with that signature, in pool order, with what the filters removed and why.
 */
export class CandidateSet {
  readonly pool: RouterPool;
  readonly kind: Kind;
  /** Every pool member that is a registered model, in pool order. */
  readonly members: readonly Member[];
  /** The members that pass the kind and requirement filters, in pool order. */
  readonly candidates: readonly Candidate[];
  readonly byRoute: ReadonlyMap<string, Candidate>;
  /** Candidates per provider id, in pool order. */
  readonly byProvider: ReadonlyMap<string, readonly Candidate[]>;
  /** Members removed by each filter stage. */
  readonly excluded: { pool: number; requirement: number };
  readonly #ranked = new WeakMap<SelectionStrategyV1, readonly Candidate[]>();
  readonly #skips = new WeakMap<SelectionStrategyV1, RankedSkip>();

  constructor(pool: RouterPool, kind: Kind, members: Member[]) {
    this.pool = pool;
    this.kind = kind;
    this.members = members;
    const candidates: Candidate[] = [];
    const byRoute = new Map<string, Candidate>();
    const byProvider = new Map<string, Candidate[]>();
    let poolStage = 0;
    for (const member of members) {
      if (member.candidate === undefined) {
        if (member.excludedBy === "pool") poolStage++;
        continue;
      }
      candidates.push(member.candidate);
      byRoute.set(member.routeId, member.candidate);
      const list = byProvider.get(member.model.providerId);
      if (list) list.push(member.candidate);
      else byProvider.set(member.model.providerId, [member.candidate]);
    }
    this.candidates = candidates;
    this.byRoute = byRoute;
    this.byProvider = byProvider;
    this.excluded = { pool: poolStage, requirement: members.length - candidates.length - poolStage };
  }

  /**
   * The candidates a strategy with a {@link SelectionStrategyV1.staticRank} ranks, best first (ties on pool
   * order). Computed once per strategy.
   */
  ranked(strategy: SelectionStrategyV1 & { staticRank: NonNullable<SelectionStrategyV1["staticRank"]> }): readonly Candidate[] {
    let ranked = this.#ranked.get(strategy);
    if (ranked === undefined) {
      const scored: Array<{ candidate: Candidate; rank: number }> = [];
      let inOrder = true;
      let previous = -Infinity;
      for (const candidate of this.candidates) {
        const r = candidate.route;
        const rank = strategy.staticRank({ routeId: r.routeId, modelId: r.modelId, upstreamModel: r.upstreamModel, providerId: r.providerId, order: r.order });
        if (rank === undefined || Number.isNaN(rank)) continue;
        if (rank < previous) inOrder = false;
        previous = rank;
        scored.push({ candidate, rank });
      }
      if (!inOrder) scored.sort((a, b) => a.rank - b.rank || a.candidate.route.order - b.candidate.route.order);
      ranked = scored.length === this.candidates.length && inOrder ? this.candidates : scored.map((s) => s.candidate);
      this.#ranked.set(strategy, ranked);
    }
    return ranked;
  }

  /** Where a walk of `ranked(strategy)` may start, if still valid for this index version and time (else from the top). */
  skipFor(strategy: SelectionStrategyV1, version: number, now: number): RankedSkip {
    const skip = this.#skips.get(strategy);
    return skip !== undefined && skip.version === version && now < skip.until ? skip : NO_SKIP;
  }

  /** Remembers that the first `start` ranked candidates are out of service at `version` until `until`. */
  remember(strategy: SelectionStrategyV1, version: number, until: number, start: number): void {
    if (start > 0) this.#skips.set(strategy, { version, until, start });
    else this.#skips.delete(strategy);
  }
}

/**
 * The first `start` candidates in rank order were all out of service per the availability index at `version`,
 * and stay so until `until` (the earliest end of their standbys) unless the index changes: a walk starts after
 * them. Then a large provider parked ahead of the pick costs one lookup per request, not one per model.
 */
export interface RankedSkip {
  version: number;
  until: number;
  start: number;
}

/** A walk from the top of the rank order (nothing to skip). */
const NO_SKIP: Readonly<RankedSkip> = Object.freeze({ version: -1, until: Infinity, start: 0 });

/** What one pool is made of for one kind, before requirements: built once, then one CandidateSet per signature. */
interface PoolKindBase {
  /** The members array and registry version it was built from (either changing means rebuild). */
  source: readonly string[];
  version: number;
  members: Member[];
  /** Distinct declared values among the members serving the kind, ascending (for floor requirements). */
  distinct: { contextWindow: number[]; maxOutputTokens: number[] };
  sets: Map<string, CandidateSet>;
}

/**
 * Precomputed candidate sets per (pool, endpoint kind, requirement signature). A signature names the
 * requirements of a request; a floor requirement (`context_window`, `max_output_tokens`) enters it as the
 * number of distinct declared values below its floor, so requests whose floors admit the same models share a
 * set however their token counts differ. Sets are rebuilt when the pool object, its members array or the
 * pool registry's version change; models are fixed for a router's life (a config reload builds a new mesh).
 */
export class CandidateIndex {
  readonly #models: ReadonlyMap<string, RouterModel>;
  readonly #providers: ReadonlyMap<string, RouterProvider>;
  readonly #tree: CapabilityTreeView;
  readonly #bases = new WeakMap<RouterPool, Map<Kind, PoolKindBase>>();
  /** `<kind>\u0000<modelId>` → whether the model serves that endpoint kind (tree walks are not per request). */
  readonly #servesKind = new Map<string, boolean>();

  constructor(models: ReadonlyMap<string, RouterModel>, providers: ReadonlyMap<string, RouterProvider>, tree: CapabilityTreeView) {
    this.#models = models;
    this.#providers = providers;
    this.#tree = tree;
  }

  /** The candidate set of `pool` for `kind` and these requirements. */
  setFor(pool: RouterPool, kind: Kind, requirements: readonly Requirement[], version: number): CandidateSet {
    const base = this.#base(pool, kind, version);
    const signature = signatureOf(requirements, base);
    let set = base.sets.get(signature);
    if (set === undefined) {
      set = this.#build(pool, kind, base, requirements);
      if (base.sets.size >= MAX_SETS_PER_POOL) base.sets.clear();
      base.sets.set(signature, set);
    }
    return set;
  }

  #base(pool: RouterPool, kind: Kind, version: number): PoolKindBase {
    let byKind = this.#bases.get(pool);
    if (byKind === undefined) {
      byKind = new Map();
      this.#bases.set(pool, byKind);
    }
    let base = byKind.get(kind);
    if (base === undefined || base.source !== pool.members || base.version !== version) {
      base = this.#buildBase(pool, kind, version);
      byKind.set(kind, base);
    }
    return base;
  }

  #buildBase(pool: RouterPool, kind: Kind, version: number): PoolKindBase {
    const root = kind === "chat" ? undefined : KIND_ROOTS[kind];
    const members: Member[] = [];
    const windows = new Set<number>();
    const outputs = new Set<number>();
    pool.members.forEach((modelId, order) => {
      const model = this.#models.get(modelId);
      if (!model) return;
      const member: Member = { model, routeId: routeIdOf(model), order };
      if (this.#serves(model, kind, root)) {
        if (model.contextWindow !== undefined) windows.add(model.contextWindow);
        if (model.maxOutputTokens !== undefined) outputs.add(model.maxOutputTokens);
        member.candidate = { model, route: this.#routeOf(model, order) };
      } else member.excludedBy = "pool";
      members.push(member);
    });
    const ascending = (values: Set<number>) => [...values].sort((a, b) => a - b);
    return { source: pool.members, version, members, distinct: { contextWindow: ascending(windows), maxOutputTokens: ascending(outputs) }, sets: new Map() };
  }

  #build(pool: RouterPool, kind: Kind, base: PoolKindBase, requirements: readonly Requirement[]): CandidateSet {
    const members = base.members.map((member): Member => {
      if (member.candidate === undefined) return member;
      for (const requirement of requirements) {
        if (requirement.check(member.model) !== undefined) return { model: member.model, routeId: member.routeId, order: member.order, excludedBy: { requirement: requirement.name } };
      }
      return member;
    });
    return new CandidateSet(pool, kind, members);
  }

  #serves(model: RouterModel, kind: Kind, root: string | undefined): boolean {
    const key = `${kind}\u0000${model.id}`;
    let serves = this.#servesKind.get(key);
    if (serves === undefined) {
      const tree = this.#tree;
      serves = root
        ? model.capabilities.some((c) => tree.isAncestorOrSelf(root, c))
        : model.capabilities.some((c) => !Object.values(KIND_ROOTS).some((r) => tree.isAncestorOrSelf(r, c)));
      this.#servesKind.set(key, serves);
    }
    return serves;
  }

  #routeOf(model: RouterModel, order: number): RouteDescriptor {
    const provider = this.#providers.get(model.providerId);
    return {
      routeId: routeIdOf(model), providerId: model.providerId, modelId: model.id, upstreamModel: model.upstreamModel, order,
      pricing: model.pricing, contextWindow: model.contextWindow, features: model.features, limits: model.limits, quotaClock: provider?.quotaClock,
    };
  }
}

function signatureOf(requirements: readonly Requirement[], base: PoolKindBase): string {
  let signature = "";
  for (const requirement of requirements) {
    signature += requirement.name;
    if (requirement.floor) signature += `@${countBelow(base.distinct[requirement.floor.field], requirement.floor.min)}`;
    signature += "\u0000";
  }
  return signature;
}

/** How many of the ascending `values` are below `min`. */
function countBelow(values: readonly number[], min: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < min) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Entries of a request's trace listed beyond the first ones when the request touches them (picked, refused…). */
const EXTRA_LISTED = 50;

/**
 * The first members of a candidate set as trace entries, shared (frozen) by every request with the set's
 * signature: the kind's and requirements' verdicts are the same for all of them, except the reasons of floor
 * requirements, which quote the request's own numbers and are made per request.
 */
interface Listing {
  entries: readonly TraceCandidate[];
  /** Position in `entries` by route id. */
  positions: ReadonlyMap<string, number>;
  /** The listed members that are candidates, with their positions. */
  candidates: ReadonlyArray<{ candidate: Candidate; position: number }>;
  /** Positions of members excluded by a floor requirement (their reason is made per request). */
  perRequest: readonly number[];
}

const listings = new WeakMap<CandidateSet, Map<number, Listing>>();

function listingOf(set: CandidateSet, limit: number, requirements: readonly Requirement[]): Listing {
  let byLimit = listings.get(set);
  if (byLimit === undefined) {
    byLimit = new Map();
    listings.set(set, byLimit);
  }
  let listing = byLimit.get(limit);
  if (listing === undefined) {
    const floors = new Set(requirements.filter((r) => r.floor !== undefined).map((r) => r.name));
    const count = Math.min(set.members.length, limit);
    const entries: TraceCandidate[] = [];
    const positions = new Map<string, number>();
    const candidates: Array<{ candidate: Candidate; position: number }> = [];
    const perRequest: number[] = [];
    for (let i = 0; i < count; i++) {
      const member = set.members[i]!;
      const entry: TraceCandidate = { routeId: member.routeId, modelId: member.model.id, providerId: member.model.providerId };
      if (member.excludedBy !== undefined) {
        entry.excluded = Object.freeze(exclusionOf(member, set.kind, requirements));
        if (member.excludedBy !== "pool" && floors.has(member.excludedBy.requirement)) perRequest.push(i);
      }
      if (member.candidate !== undefined) candidates.push({ candidate: member.candidate, position: i });
      entries.push(Object.freeze(entry));
      positions.set(member.routeId, i);
    }
    listing = { entries, positions, candidates, perRequest };
    byLimit.set(limit, listing);
  }
  return listing;
}

/**
 * The candidates of one request's trace. `explain()` lists every pool member; a real request lists the first
 * `limit` members in pool order (with why each was excluded) plus, up to 50 more, the candidates it touched
 * beyond them (the pick, refusals), and counts the rest in `trace.candidateSummary`: listing 10,000 members per
 * request would cost more than routing it. The listed entries start as shared frozen ones; an entry this
 * request changes (a state verdict, a refusal) is copied first.
 */
export class TraceList {
  readonly #trace: RoutingTrace;
  readonly #set: CandidateSet;
  readonly #listing: Listing;
  /** Positions whose entry is this request's own copy. */
  #own: Set<number> | undefined;
  /** Entries added beyond the listing, by route id, with their pool order. */
  #extra: Map<string, { entry: TraceCandidate; order: number }> | undefined;

  constructor(trace: RoutingTrace, set: CandidateSet, requirements: readonly Requirement[], limit: number) {
    this.#trace = trace;
    this.#set = set;
    const listing = listingOf(set, limit, requirements);
    this.#listing = listing;
    trace.candidates = listing.entries.slice();
    for (const position of listing.perRequest) {
      const member = set.members[position]!;
      trace.candidates[position] = { ...listing.entries[position]!, excluded: exclusionOf(member, set.kind, requirements) };
      (this.#own ??= new Set()).add(position);
    }
  }

  /** True when some members are not listed. */
  get partial(): boolean {
    return this.#trace.candidates.length < this.#set.members.length;
  }

  /** The listed members that are candidates, with their positions in `trace.candidates`. */
  get candidates(): ReadonlyArray<{ candidate: Candidate; position: number }> {
    return this.#listing.candidates;
  }

  /** The entry at a listed position, as it stands (read only). */
  at(position: number): TraceCandidate {
    return this.#trace.candidates[position]!;
  }

  /** The entry at a listed position, copied for this request first when it is still shared. */
  own(position: number): TraceCandidate {
    const own = (this.#own ??= new Set());
    if (!own.has(position)) {
      const shared = this.#trace.candidates[position]!;
      const copy: TraceCandidate = { routeId: shared.routeId, modelId: shared.modelId, providerId: shared.providerId };
      if (shared.excluded !== undefined) copy.excluded = { ...shared.excluded };
      this.#trace.candidates[position] = copy;
      own.add(position);
    }
    return this.#trace.candidates[position]!;
  }

  /** This request's entry of a listed (or already added) route, if any. */
  listed(routeId: string): TraceCandidate | undefined {
    const position = this.#listing.positions.get(routeId);
    if (position !== undefined) return this.own(position);
    return this.#extra?.get(routeId)?.entry;
  }

  /** Lists a candidate this request picked (if it is not listed yet) and drops a state verdict it no longer deserves. */
  touch(candidate: Candidate): void {
    const position = this.#listing.positions.get(candidate.route.routeId);
    const entry = position !== undefined ? this.#trace.candidates[position]! : this.entryOf(candidate);
    if (entry.excluded?.stage === "state") delete this.listed(candidate.route.routeId)!.excluded;
  }

  /** The entry of a candidate: the listed one, else a new one, listed after the first members while fewer than 50 were added so. */
  entryOf(candidate: Candidate): TraceCandidate {
    const listed = this.listed(candidate.route.routeId);
    if (listed !== undefined) return listed;
    const entry: TraceCandidate = { routeId: candidate.route.routeId, modelId: candidate.model.id, providerId: candidate.model.providerId };
    const extra = (this.#extra ??= new Map());
    if (extra.size < EXTRA_LISTED) {
      // Added entries follow the listed ones, in pool order among themselves.
      const order = candidate.route.order;
      const entries = this.#trace.candidates;
      let at = entries.length;
      const start = this.#listing.entries.length;
      while (at > start && extra.get(entries[at - 1]!.routeId)!.order > order) at--;
      entries.splice(at, 0, entry);
      extra.set(entry.routeId, { entry, order });
    }
    return entry;
  }
}

function exclusionOf(member: Member, kind: Kind, requirements: readonly Requirement[]): NonNullable<TraceCandidate["excluded"]> {
  if (member.excludedBy === "pool") return { stage: "pool", reason: `does not serve ${kind}` };
  for (const requirement of requirements) {
    const why = requirement.check(member.model);
    if (why !== undefined) return { stage: "requirement" as FilterStage, requirement: requirement.name, reason: why };
  }
  // Unreachable while the set matches the request's signature; kept explainable all the same.
  return { stage: "requirement", requirement: (member.excludedBy as { requirement: string }).requirement, reason: "does not meet it" };
}

/** One candidate as a request sees it: its model and route, and its trace entry (made on first use). */
export interface RequestCandidate {
  readonly model: RouterModel;
  readonly route: RouteDescriptor;
  readonly trace: TraceCandidate;
}

/**
 * A request's candidates: the shared {@link CandidateSet} seen through what this request removed (a
 * context-length refilter, a resume's prefill requirement), without copying it. Reads like a `Map` from route
 * id to candidate; entries (and their trace entries) are made on first access, so a request that touches three
 * candidates of 10,000 makes three.
 */
export class CandidateMap {
  readonly set: CandidateSet;
  readonly list: TraceList;
  /** Request entries made so far (created on the first `get`). */
  #made: Map<string, RequestCandidate> | undefined;
  #deleted: Set<string> | undefined;

  constructor(set: CandidateSet, list: TraceList) {
    this.set = set;
    this.list = list;
  }

  get size(): number {
    return this.set.candidates.length - (this.#deleted?.size ?? 0);
  }

  /** Candidates this request removed (they count as requirement exclusions). */
  get removed(): number {
    return this.#deleted?.size ?? 0;
  }

  has(routeId: string): boolean {
    return this.set.byRoute.has(routeId) && !this.#deleted?.has(routeId);
  }

  get(routeId: string): RequestCandidate | undefined {
    if (!this.has(routeId)) return undefined;
    const byRoute = (this.#made ??= new Map());
    let made = byRoute.get(routeId);
    if (made === undefined) {
      const candidate = this.set.byRoute.get(routeId)!;
      const list = this.list;
      let entry: TraceCandidate | undefined;
      made = {
        model: candidate.model,
        route: candidate.route,
        get trace() {
          return (entry ??= list.entryOf(candidate));
        },
      };
      byRoute.set(routeId, made);
    }
    return made;
  }

  delete(routeId: string): boolean {
    if (!this.has(routeId)) return false;
    (this.#deleted ??= new Set()).add(routeId);
    this.#made?.delete(routeId);
    return true;
  }

  /** The shared candidates still in this request, in pool order, without making request entries. */
  *candidates(): IterableIterator<Candidate> {
    const deleted = this.#deleted;
    for (const candidate of this.set.candidates) if (deleted === undefined || !deleted.has(candidate.route.routeId)) yield candidate;
  }

  *keys(): IterableIterator<string> {
    for (const candidate of this.candidates()) yield candidate.route.routeId;
  }

  *values(): IterableIterator<RequestCandidate> {
    for (const candidate of this.candidates()) yield this.get(candidate.route.routeId)!;
  }

  *entries(): IterableIterator<[string, RequestCandidate]> {
    for (const candidate of this.candidates()) yield [candidate.route.routeId, this.get(candidate.route.routeId)!];
  }

  [Symbol.iterator](): IterableIterator<[string, RequestCandidate]> {
    return this.entries();
  }
}
