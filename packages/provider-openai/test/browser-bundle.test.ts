import { fileURLToPath } from "node:url";
import { browserBundleReport } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

/**
 * The browser path (`createOpenAICompatibleProvider` with the fetch transport, chat + stream + embeddings)
 * bundled as a browser build would bundle it: esbuild, `platform: "browser"`, ESM, minified, through this
 * package's source and `@modelmesh/cdk`'s built dist (its per-module ESM output is what makes it tree-shake).
 * `@modelmesh/core` is external: its share is core's own budget.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FORBIDDEN = /^node:|[/\\]node_modules[/\\](?:\.pnpm[/\\][^/\\]+[/\\]node_modules[/\\])?(undici|yaml|msgpackr|zod)[/\\]/;
/** Gzipped bytes the provider path may take (measured 15.4 kB when this budget was set). */
const BUDGET_GZIPPED = 16_000;

const BROWSER_ENTRY = `
import { createOpenAICompatibleProvider } from "./src/index.ts";
export async function run(apiKey) {
  const provider = createOpenAICompatibleProvider({ baseUrl: "https://api.example.test/v1", apiKey });
  const messages = [{ role: "user", content: "hi" }];
  const reply = await provider.complete({ model: "gpt-4o-mini", messages });
  for await (const chunk of provider.stream({ model: "gpt-4o-mini", messages })) void chunk;
  return [reply, await provider.embed({ model: "text-embedding-3-small", input: "hi" })];
}
`;

async function bundle(contents: string): Promise<{ gzipped: number; kept: string[]; imports: string[] }> {
  // `node:*` is external so a violation shows up as an import instead of failing the build.
  const report = await browserBundleReport({ contents }, { cwd: ROOT, external: ["@modelmesh/core", "node:*"] });
  return { gzipped: report.gzipBytes, kept: report.inputs, imports: report.imports };
}

describe("browser bundle of createOpenAICompatibleProvider (esbuild, platform: browser)", () => {
  it("keeps no zod, yaml, msgpackr, undici or node: module", async () => {
    const { kept, imports } = await bundle(BROWSER_ENTRY);
    expect(kept.some((path) => path.includes("openai-compatible-factory"))).toBe(true);
    expect(kept.some((path) => /cdk[/\\]dist[/\\]transport[/\\]fetch-transport/.test(path))).toBe(true);
    expect([...kept, ...imports].filter((path) => FORBIDDEN.test(path))).toEqual([]);
    expect([...new Set(imports)]).toEqual(["@modelmesh/core"]);
  });

  it(`stays within ${BUDGET_GZIPPED / 1000} kB gzipped (core excluded)`, async () => {
    const { gzipped } = await bundle(BROWSER_ENTRY);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIPPED);
  });

  it("the check itself sees zod when the connector descriptors (zod config schemas) are used", async () => {
    const { kept } = await bundle(`export { connectors } from "./src/index.ts";`);
    expect(kept.filter((path) => FORBIDDEN.test(path))).toEqual(expect.arrayContaining([expect.stringMatching(/[/\\]zod[/\\]/)]));
  });
});
