/**
 * Document citations in code comments. A comment that cites a document must cite one in this repository
 * (`docs/*.md`, a README.md, CONTRIBUTING.md), by path, and a `§N` must be a numbered section of that document.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { ROOT } from "./workspace.js";

/** One citation problem, at a line of a file. */
export interface CitationProblem {
  /** Path relative to the root. */
  file: string;
  line: number;
  problem: string;
  /** The comment line it was found on. */
  text: string;
}

/** Citations of documents that are not in the repository, in the forms they have been written. */
const FORBIDDEN: { pattern: RegExp; problem: string }[] = [
  { pattern: /(?<!docs\/)\bARCHITECTURE\b/, problem: "names ARCHITECTURE without its path (write docs/ARCHITECTURE.md §N)" },
  { pattern: /\bSTYLE\b/, problem: "cites STYLE, which is not in this repository" },
  { pattern: /\bTOOLCHAIN\b/, problem: "cites TOOLCHAIN, which is not in this repository" },
  { pattern: /\bREF-[A-Z]+\b/, problem: "cites a reference implementation, which is not in this repository" },
  {
    pattern:
      /\breference(?:-[a-z]+)?(?:\.md)?\s+(?:gap\s+)?§|\breference-(?:system|cdk)\b|\bthe\s+reference's|\(reference\s+[§`"]|\breference\s+(?:DOC|REF)\b|\b(?:triggers?\s+of|as\s+in)\s+the\s+reference\b/i,
    problem: "cites the reference, which is not in this repository",
  },
  { pattern: /\bdecisions?\s+\d/i, problem: "cites a decision by number (write docs/ARCHITECTURE.md §2.N)" },
  { pattern: /\b(?:the|same)\s+seed\b|\bseed's\b|\bseeds\/\d/i, problem: "cites the seed, which is not in this repository" },
];

/** `§2.6`, `§2.5–2.8`: a section number, optionally a range. */
const SECTION = /§\s*(\d+(?:\.\d+)*)(?:\s*[–-]\s*(\d+(?:\.\d+)*))?/g;
/** What may stand right before a `§`: a document path, or an RFC (public standards are cited by number). */
const CITED_BEFORE = /(docs\/[\w.-]+\.md|RFC\s*\d+)\s*$/;
/** Between two sections of one citation: `§2.5, §2.8`, `§2.5 and §2.8`. */
const LIST_SEPARATOR = /^\s*(?:,|and|or|\/)\s*$/;
/** A Markdown file name, e.g. `docs/errors.md`, `README.md`. */
const MARKDOWN = /(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g;

const sectionsCache = new Map<string, Set<string>>();

/** The numbered sections of a document: headings such as `## 1. Packages` or `### 2.6 Errors are …`. */
export function numberedSections(doc: string): Set<string> {
  let sections = sectionsCache.get(doc);
  if (!sections) {
    sections = new Set<string>();
    for (const line of readFileSync(join(ROOT, doc), "utf8").split("\n")) {
      const match = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
      if (match) sections.add(match[1]!);
    }
    sectionsCache.set(doc, sections);
  }
  return sections;
}

/** Every comment of a source file, with the line it starts on. Uses the TypeScript parser, so strings are not comments. */
export function commentsOf(file: string, text: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const ranges = new Map<number, ts.CommentRange>();
  const add = (found: ts.CommentRange[] | undefined) => found?.forEach((range) => ranges.set(range.pos, range));
  const visit = (node: ts.Node) => {
    add(ts.getLeadingCommentRanges(text, node.pos));
    add(ts.getTrailingCommentRanges(text, node.end));
    ts.forEachChild(node, visit);
  };
  visit(source);
  add(ts.getLeadingCommentRanges(text, source.endOfFileToken.pos));
  return [...ranges.values()]
    .sort((a, b) => a.pos - b.pos)
    .map((range) => ({ line: text.slice(0, range.pos).split("\n").length, text: text.slice(range.pos, range.end) }));
}

/** The problems of one comment; `file` is relative to the root. */
export function checkComment(file: string, comment: { line: number; text: string }): CitationProblem[] {
  // Line prefixes (` * `, `// `) become spaces, so a citation may wrap and offsets still map to lines.
  const text = comment.text.replace(/\n[ \t]*(?:\*(?!\/)|\/\/)/g, (prefix) => `\n${" ".repeat(prefix.length - 1)}`);
  const withoutUrls = text.replace(/https?:\/\/\S+/g, (url) => " ".repeat(url.length));
  const problems: CitationProblem[] = [];
  const report = (index: number, problem: string) => {
    const line = comment.line + text.slice(0, index).split("\n").length - 1;
    problems.push({ file, line, problem, text: comment.text.split("\n")[line - comment.line]!.trim() });
  };

  for (const { pattern, problem } of FORBIDDEN) {
    const match = pattern.exec(withoutUrls);
    if (match) report(match.index, problem);
  }

  let previous: { end: number; doc: string | null } | undefined;
  for (const match of withoutUrls.matchAll(SECTION)) {
    const before = withoutUrls.slice(previous?.end ?? 0, match.index);
    const doc = CITED_BEFORE.exec(before)?.[1] ?? (previous && LIST_SEPARATOR.test(before) ? previous.doc : null);
    previous = { end: match.index + match[0].length, doc };
    if (doc === null) report(match.index, `${match[0]} without a document (write docs/ARCHITECTURE.md ${match[0]})`);
    else if (doc.startsWith("docs/") && existsSync(join(ROOT, doc))) {
      const missing = [match[1]!, match[2]].filter((section): section is string => section !== undefined && !numberedSections(doc).has(section));
      if (missing.length > 0) report(match.index, `${doc} has no section ${missing.map((s) => `§${s}`).join(", ")}`);
    }
  }

  for (const match of withoutUrls.matchAll(MARKDOWN)) {
    const name = match[1]!;
    const candidates = [join(ROOT, name), join(ROOT, dirname(file), name), join(ROOT, packageDir(file), name)];
    if (!candidates.some((candidate) => existsSync(candidate))) report(match.index, `cites ${name}, which is not in this repository`);
  }
  return problems;
}

/** `packages/core` for `packages/core/src/x.ts`. */
function packageDir(file: string): string {
  return file.split("/").slice(0, 2).join("/");
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") yield* sourceFiles(path);
    } else if (/\.[cm]?[jt]sx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      yield path;
    }
  }
}

/** The `src` folders of every package, app and example. */
export function sourceFolders(): string[] {
  return ["packages", "apps", "examples"].flatMap((group) =>
    readdirSync(join(ROOT, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, group, entry.name, "src")))
      .map((entry) => join(ROOT, group, entry.name, "src")),
  );
}

/** Every citation problem in the source folders. */
export function citationProblems(): CitationProblem[] {
  const problems: CitationProblem[] = [];
  for (const folder of sourceFolders()) {
    for (const path of sourceFiles(folder)) {
      const file = relative(ROOT, path);
      const text = readFileSync(path, "utf8");
      for (const comment of commentsOf(file, text)) problems.push(...checkComment(file, comment));
    }
  }
  return problems;
}
