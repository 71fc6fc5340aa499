/** The README quick start runs as written (lifted from the README into a module and imported). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { trace } from "@opentelemetry/api";
import { afterEach, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
  trace.disable();
});

it("the quick start traces a failover: the failed attempt, the answering one, the request", async () => {
  const readme = readFileSync(`${root}README.md`, "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  // Written under the package's node_modules so that its imports resolve like a user's would.
  const dir = `${root}node_modules/.cache/readme`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/quick-start.ts`, code.replace('from "@modelmesh/observability-otel"', `from ${JSON.stringify(`${root}src/index.ts`)}`));
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ `${dir}/quick-start.ts`);
  expect(log.mock.calls).toEqual([
    ["chat a.m", "MM_SERVER"],
    ["chat b.m", "ok"],
    ["chat chat", "ok"],
  ]);
});
