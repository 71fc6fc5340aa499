/** The README quick start runs as written (lifted from the README into a module and imported). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
});

it("the quick start prints the request counter of the mesh", async () => {
  const readme = readFileSync(`${root}README.md`, "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  // Written under the package's node_modules so that its imports resolve like a user's would.
  const dir = `${root}node_modules/.cache/readme`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/quick-start.ts`, code.replace('from "@modelmesh/observability"', `from ${JSON.stringify(`${root}src/index.ts`)}`));
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ `${dir}/quick-start.ts`);
  expect(log.mock.calls).toHaveLength(1);
  expect(String(log.mock.calls[0]![0])).toMatch(/^modelmesh_requests_total\{pool="[^"]+",model="mock\.mock-model",provider="mock",outcome="success"\} 1$/);
});

it("every YAML example of the README is accepted by createMesh with this package's connectors", async () => {
  const { callbackObservability, createPrometheusConnector } = await import("../src/index.js");
  const { startMesh } = await import("./support/mesh.js");
  const { deadUrl } = await import("./support/receiver.js");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const readme = readFileSync(`${root}README.md`, "utf8");
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((block) => block.startsWith("observability:\n"));
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  const dir = mkdtempSync(`${tmpdir()}/mm-obs-readme-`);
  const url = await deadUrl();
  for (const block of blocks) {
    const observability = block
      .slice("observability:\n".length)
      .replace("https://logs.example.com/ingest", url) // no network beyond 127.0.0.1
      .replace("logs/requests.jsonl", `${dir}/requests.jsonl`);
    const extra = [callbackObservability({}, { id: "acme.audit.v1", aliases: ["audit"] }), createPrometheusConnector()];
    const mesh = await startMesh(observability, { extra, env: { LOG_TOKEN: "t0k3n" } });
    const closing = mesh.close();
    await expect(closing, block).resolves.toBeUndefined();
  }
});
