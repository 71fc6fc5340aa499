/** A tiny capability tree for config tests (implements the CapabilityTreeView contract only). */
import type { CapabilityTreeView } from "../../capability/types.js";

const PATHS = [
  "generation",
  "generation.text-generation",
  "generation.text-generation.chat-completion",
  "generation.text-generation.code-generation",
  "representation",
  "representation.embeddings",
  "representation.embeddings.text-embeddings",
  "transformation",
  "transformation.translation",
  "understanding",
  "understanding.translation",
];

/** Builds the fake tree: full paths, plus every unique last segment as an alias (`translation` is ambiguous). */
export function fakeTree(): CapabilityTreeView {
  const has = (path: string) => PATHS.includes(path);
  const tryResolve = (name: string): string | undefined => {
    if (has(name)) return name;
    const matches = PATHS.filter((path) => path.split(".").at(-1) === name);
    return matches.length === 1 ? matches[0] : undefined;
  };
  return {
    has,
    isLeaf: (path) => has(path) && !PATHS.some((other) => other.startsWith(`${path}.`)),
    resolve(name) {
      const found = tryResolve(name);
      if (found === undefined) throw new Error(`unknown capability ${name}`);
      return found;
    },
    tryResolve,
    isAncestorOrSelf: (ancestor, path) => path === ancestor || path.startsWith(`${ancestor}.`),
    leavesUnder: (path) => PATHS.filter((p) => (p === path || p.startsWith(`${path}.`)) && !PATHS.some((o) => o.startsWith(`${p}.`))),
    paths: () => [...PATHS],
  };
}
