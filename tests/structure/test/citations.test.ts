/**
 * Every code comment in packages/*\/src, apps/*\/src and examples/*\/src that cites a document cites one in this
 * repository, by path (`docs/ARCHITECTURE.md §2.6`, `docs/errors.md`), and every `§N` is a numbered section of
 * that document. Files listed in `citations-pending.txt` are still being rewritten; once a listed file is clean,
 * this test asks for it to be removed from the list.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkComment, citationProblems, commentsOf, type CitationProblem } from "./support/citations.js";
import { readList, ROOT } from "./support/workspace.js";

const pending = new Set(readList(join(ROOT, "tests/structure/citations-pending.txt")));
const problems = citationProblems();
const format = (problem: CitationProblem) => `${problem.file}:${problem.line}: ${problem.problem}: ${problem.text}`;

describe("document citations in code comments", () => {
  it("cite only documents in this repository, by path, and sections that exist", () => {
    expect(problems.filter((problem) => !pending.has(problem.file)).map(format)).toEqual([]);
  });

  it("leave no clean file on the pending list", () => {
    const withProblems = new Set(problems.map((problem) => problem.file));
    expect([...pending].filter((file) => !withProblems.has(file))).toEqual([]);
  });
});

describe("the citation check (controls)", () => {
  const check = (text: string) => checkComment("packages/core/src/x.ts", { line: 1, text }).map((problem) => problem.problem);

  it("accepts in-repo documents, numbered sections, section lists and RFCs", () => {
    expect(check("/** Classified once (docs/ARCHITECTURE.md §2.6); codes in docs/errors.md. */")).toEqual([]);
    expect(check("/**\n * The pipeline (docs/ARCHITECTURE.md\n * §2.7, §2.8 and §4). See README.md.\n */")).toEqual([]);
    expect(check("// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded; https://example.com/x.md is a link.")).toEqual([]);
    expect(check("/** A seeded PRNG; seed it in tests. The `seed` field passes through. */")).toEqual([]);
  });

  it("rejects documents outside the repository and sections that do not exist", () => {
    expect(check("/** See ARCHITECTURE §2.6. */")).toEqual([
      "names ARCHITECTURE without its path (write docs/ARCHITECTURE.md §N)",
      "§2.6 without a document (write docs/ARCHITECTURE.md §2.6)",
    ]);
    expect(check("// reference §8.34, REF-TS name")).toHaveLength(3);
    expect(check("/** (STYLE c.7) */")).toEqual(["cites STYLE, which is not in this repository"]);
    expect(check("/** ARCHITECTURE decision 8 */")).toContain("cites a decision by number (write docs/ARCHITECTURE.md §2.N)");
    expect(check("/** decision 2.5 */")).toEqual(["cites a decision by number (write docs/ARCHITECTURE.md §2.N)"]);
    expect(check("/** the seed's shape */")).toEqual(["cites the seed, which is not in this repository"]);
    expect(check("/** docs/ARCHITECTURE.md §9 */")).toEqual(["docs/ARCHITECTURE.md has no section §9"]);
    expect(check("/** docs/ARCHITECTURE.md §2.5–2.99 */")).toEqual(["docs/ARCHITECTURE.md has no section §2.99"]);
    expect(check("/** TOOLCHAIN.md §5 */")).toEqual([
      "cites TOOLCHAIN, which is not in this repository",
      "§5 without a document (write docs/ARCHITECTURE.md §5)",
      "cites TOOLCHAIN.md, which is not in this repository",
    ]);
    expect(check("/** see docs/decisions.md */")).toEqual(["cites docs/decisions.md, which is not in this repository"]);
  });

  it("reads comments only, with their lines", () => {
    const source = 'const a = "ARCHITECTURE §1"; // fine\n/** line 2\n * STYLE c.4 on line 3 */\nconst b = `STYLE`;\n';
    expect(commentsOf("x.ts", source).map((comment) => comment.line)).toEqual([1, 2]);
    const found = commentsOf("x.ts", source).flatMap((comment) => checkComment("packages/core/src/x.ts", comment));
    expect(found.map((problem) => [problem.line, problem.text])).toEqual([[3, "* STYLE c.4 on line 3 */"]]);
  });
});
