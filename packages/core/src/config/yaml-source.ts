/**
 * YAML (and JSON, a YAML subset) text → plain value, keeping the document so any config path can be
 * mapped back to its 1-based line and column.
 *
 * A config file is untrusted input to a long-running proxy (hot reload), so parsing is bounded: the text
 * length, the number of anchors and aliases, and the size and depth of the document once aliases are
 * expanded are capped before the document is converted. The `yaml` library returns an alias as a shared
 * reference (no copy) and its `maxAliasCount` stops exponential "billion laughs" growth, but every later
 * stage (interpolation, schema) walks the expanded tree, merge keys (`<<: *a`) copy, and resolving aliases
 * costs aliases × anchors — so a file far below any exponential limit could still stall a reload.
 */
import { Composer, CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, YAMLParseError, type Document } from "yaml";
import type { ConfigPath, ConfigIssueDraft, SourcePosition } from "./issues.js";

/** A parsed config text. */
export interface YamlSource {
  /** The document as plain JS (maps → objects, sequences → arrays); `undefined` for an empty text. */
  value: unknown;
  /**
   * Position of the node at `path`: the key of a map entry, the item of a sequence; when the path does
   * not exist (a missing key), the nearest existing ancestor.
   */
  locate(path: ConfigPath): SourcePosition;
}

/** Result of {@link parseYamlSource}: either the source or the syntax issues. */
export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; issues: ConfigIssueDraft[] };

/** Bounds of a config text (see the module comment). A real config is far below each of them. */
export const YAML_LIMITS = {
  /** Characters of text (about 2 MiB). */
  maxLength: 2 * 1024 * 1024,
  /** Anchors (`&name`) in the document. */
  maxAnchors: 1_000,
  /** Aliases (`*name`, including merge keys' sources) in the document. */
  maxAliases: 1_000,
  /** Values (map entries, list items, scalars) once every alias is expanded. */
  maxValues: 1_000_000,
  /** Nesting depth once every alias is expanded. */
  maxDepth: 64,
} as const;

/**
 * Deepest nesting of collections in the parsed tokens, and where it is. The token parser is iterative;
 * building the document from the tokens is recursive, and a stack overflow there can land inside the
 * regular-expression compiler, which ends the process instead of throwing. So depth is checked between
 * the two steps.
 */
function tokenDepth(tokens: readonly CST.Token[], limit: number): { depth: number; offset: number } {
  let deepest = { depth: 0, offset: 0 };
  const stack: Array<[CST.Token | null | undefined, number]> = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!node) continue;
    if (node.type === "document") {
      stack.push([node.value, depth]);
      continue;
    }
    if (!CST.isCollection(node)) continue;
    const level = depth + 1;
    if (level > deepest.depth) deepest = { depth: level, offset: node.offset };
    if (level > limit) return deepest;
    for (const item of node.items) stack.push([item.key, level], [item.value, level]);
  }
  return deepest;
}

/**
 * A first, lexical bound on nesting, before the token parser runs (its cost grows with the depth: seconds
 * for a text of a few hundred thousand `[`): flow collections opened and not yet closed, and block
 * indicators (`- `, `? `) chained on one line. Returns the offset where the bound is exceeded.
 */
function lexicalDepth(text: string, limit: number): number | undefined {
  let flow = 0;
  let chained = 0;
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    // The lexer interleaves one-character control markers that are not part of the source.
    if (lexeme === CST.DOCUMENT || lexeme === CST.SCALAR || lexeme === CST.FLOW_END) continue;
    switch (CST.tokenType(lexeme)) {
      case "flow-seq-start":
      case "flow-map-start":
        if (++flow > limit) return offset;
        break;
      case "flow-seq-end":
      case "flow-map-end":
        if (flow > 0) flow--;
        break;
      case "seq-item-ind":
      case "explicit-key-ind":
        if (++chained > limit) return offset;
        break;
      case "newline":
        chained = 0;
        break;
      default:
        break;
    }
    offset += lexeme.length;
  }
  return undefined;
}

/** `parseDocument` of the `yaml` library, with the nesting depth checked before the document is built. */
function parseBounded(text: string, lineCounter: LineCounter): Document | { tooDeep: number } {
  const early = lexicalDepth(text, YAML_LIMITS.maxDepth);
  if (early !== undefined) return { tooDeep: early };
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const nesting = tokenDepth(tokens, YAML_LIMITS.maxDepth);
  if (nesting.depth > YAML_LIMITS.maxDepth) return { tooDeep: nesting.offset };
  const composer = new Composer({ merge: true, uniqueKeys: false, logLevel: "error" });
  let doc: Document | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", "Source contains multiple documents"));
      break;
    }
  }
  // compose(…, forceDoc = true) always yields a document.
  return doc!;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** A plain `<<` key: a merge key (the document is parsed with `merge: true`). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === "<<";
}

/** A problem found by {@link checkStructure}: message and source offset. */
interface StructureProblem {
  message: string;
  offset: number;
}

/**
 * One pass over the parsed document (before conversion): duplicate keys (linear, with a set per map — the
 * library's own `uniqueKeys` check compares every key with every other), `__proto__` keys, the anchor and
 * alias counts, and the expanded size and depth. Stops at the first bound exceeded.
 */
function checkStructure(doc: Document): StructureProblem[] {
  const problems: StructureProblem[] = [];
  const anchors = new Map<string, unknown>();
  const memo = new Map<unknown, { size: number; depth: number }>();
  const open = new Set<unknown>();
  let anchorCount = 0;
  let aliasCount = 0;
  let over: StructureProblem | undefined;

  const tooDeep = (node: unknown, expanded: boolean): { size: number; depth: number } => {
    const how = expanded ? " once aliases are expanded" : "";
    over ??= { message: `YAML error: the document is nested deeper than ${YAML_LIMITS.maxDepth} levels${how}`, offset: rangeStart(node) ?? 0 };
    return { size: Infinity, depth: Infinity };
  };

  /**
   * Expanded size (values) and depth (collections) of a node below `above` enclosing collections;
   * `Infinity` once a bound is exceeded.
   */
  const measure = (node: unknown, above: number): { size: number; depth: number } => {
    if (over) return { size: Infinity, depth: Infinity };
    const known = memo.get(node);
    if (known) return known;
    const anchor = (node as { anchor?: unknown } | null)?.anchor;
    if (typeof anchor === "string") {
      anchors.set(anchor, node);
      if (++anchorCount > YAML_LIMITS.maxAnchors) {
        over = { message: `YAML error: more than ${YAML_LIMITS.maxAnchors} anchors (&name)`, offset: rangeStart(node) ?? 0 };
        return { size: Infinity, depth: Infinity };
      }
    }
    let result: { size: number; depth: number };
    if (isAlias(node)) {
      if (++aliasCount > YAML_LIMITS.maxAliases) {
        over = { message: `YAML error: more than ${YAML_LIMITS.maxAliases} aliases (*name)`, offset: rangeStart(node) ?? 0 };
        return { size: Infinity, depth: Infinity };
      }
      const target = anchors.get(node.source);
      if (target !== undefined && open.has(target)) {
        // `a: &a [*a]` would convert to a structure that contains itself.
        over = { message: "YAML error: an alias refers to a node that contains it", offset: rangeStart(node) ?? 0 };
        return { size: Infinity, depth: Infinity };
      }
      // An alias of an unknown anchor is reported by the conversion itself.
      result = target === undefined ? { size: 1, depth: 0 } : (memo.get(target) ?? { size: 1, depth: 0 });
      if (above + result.depth > YAML_LIMITS.maxDepth) return tooDeep(node, true);
      return result;
    }
    if (!isMap(node) && !isSeq(node)) {
      result = { size: 1, depth: 0 };
      memo.set(node, result);
      return result;
    }
    if (above + 1 > YAML_LIMITS.maxDepth) return tooDeep(node, false);
    open.add(node);
    let size = 1;
    let depth = 1;
    const add = (child: unknown) => {
      if (child === null || child === undefined) return;
      const m = measure(child, above + 1);
      size += m.size;
      depth = Math.max(depth, 1 + m.depth);
    };
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && !isMergeKey(key)) {
          const text = keyText(key);
          if (text === "__proto__") problems.push({ message: "YAML error: the key __proto__ is not allowed", offset: rangeStart(key) ?? 0 });
          else if (seen.has(text)) problems.push({ message: "YAML syntax error: Map keys must be unique", offset: rangeStart(key) ?? 0 });
          seen.add(text);
        }
        add(key);
        add(pair.value);
      }
    } else {
      for (const item of node.items) add(isPair(item) ? item.value : item);
    }
    open.delete(node);
    result = { size, depth };
    if (size > YAML_LIMITS.maxValues && !over) {
      over = { message: `YAML error: the document expands to more than ${YAML_LIMITS.maxValues} values (through aliases)`, offset: rangeStart(node) ?? 0 };
    }
    memo.set(node, result);
    return result;
  };

  if (doc.contents !== null) measure(doc.contents, 0);
  return over ? [over] : problems;
}

/**
 * Parses YAML or JSON config text. Syntax errors (including duplicate keys) and exceeded bounds are
 * returned as issues at the document root with their position; error messages never quote the source
 * text beyond the library's first line, and never anything resolved from it (parsing happens before
 * interpolation). Never throws.
 */
export function parseYamlSource(text: string): YamlParseResult {
  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const fail = (message: string, offset = 0): YamlParseResult => ({ ok: false, issues: [{ path: [], message, position: position(offset) }] });
  if (text.length > YAML_LIMITS.maxLength) {
    return { ok: false, issues: [{ path: [], message: `the config text is longer than ${YAML_LIMITS.maxLength} characters`, position: { line: 1, column: 1 } }] };
  }
  let doc: Document;
  try {
    const parsed = parseBounded(text, lineCounter);
    if ("tooDeep" in parsed) {
      const message = `YAML error: the document is nested deeper than ${YAML_LIMITS.maxDepth} levels`;
      return { ok: false, issues: [{ path: [], message, position: textPosition(text, parsed.tooDeep) }] };
    }
    doc = parsed;
  } catch (error) {
    return fail(`YAML syntax error: ${firstLine(error)}`);
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        path: [],
        message: `YAML syntax error: ${error.message.split("\n")[0]}`,
        position: position(error.pos[0]),
      })),
    };
  }
  let problems: StructureProblem[];
  try {
    problems = checkStructure(doc);
  } catch (error) {
    return fail(`YAML error: ${firstLine(error)}`);
  }
  if (problems.length > 0) return { ok: false, issues: problems.map((p) => ({ path: [], message: p.message, position: position(p.offset) })) };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (error) {
    return fail(`YAML error: ${firstLine(error)}`);
  }
  const locate = (path: ConfigPath): SourcePosition => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return position(offset);
  };
  return { ok: true, source: { value: value ?? undefined, locate } };
}

/** 1-based line and column of an offset, counted in the text itself (before the parser has seen it). */
function textPosition(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : "cannot read the document";
}
