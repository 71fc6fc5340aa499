/**
 * Router middleware from code and from config (connectors of type `middleware`): request rewriting (PII
 * scrubbing), answering without routing (a cache), fallbacks on error, onion order, and hook failures.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConnectorRegistry, createMesh, type ChatCompletion, type ChatCompletionRequest, type Mesh, type RouterMiddleware, type Routed } from "../src/index.js";
import { startUpstream, type Upstream } from "./support/upstream.js";
import { testProviderConnector, user } from "./support/mesh.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/g;

/** A PII scrubber: a middleware connector configured from YAML (`replacement`). */
const piiConnector = {
  id: "test.pii.v1",
  type: "middleware" as const,
  specificationVersion: "v1" as const,
  runtime: "universal" as const,
  configSchema: z.looseObject({ replacement: z.string().default("[email]") }),
  create: (config: { replacement: string }): RouterMiddleware => ({
    name: "pii",
    beforeRequest: ({ kind, request }) => {
      if (kind !== "chat") return;
      const chat = request as ChatCompletionRequest;
      return { request: { ...chat, messages: chat.messages.map((m) => (typeof m.content === "string" ? { ...m, content: m.content.replace(EMAIL, config.replacement) } : m)) } };
    },
  }),
};

async function meshWith(yamlTail = "", middleware: RouterMiddleware[] = [], script: Parameters<Upstream["script"]>[1] = [{ reply: "hi there" }]) {
  const upstream = await startUpstream({ "model-a": script });
  open.push(upstream);
  const yaml = `
providers:
  pa: { connector: test.fetch.v1, config: { base_url: "${upstream.url}" } }
models:
  pa.model-a: { provider: pa, capabilities: [chat-completion] }
pools:
  chat: { capability: chat-completion, retry: { max_attempts: 0 } }
${yamlTail}`;
  const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [testProviderConnector, piiConnector] }), env: {}, middleware });
  open.push(mesh);
  return { upstream, mesh };
}

const sentContent = (upstream: Upstream) => (upstream.calls.at(-1)!.body.messages as Array<{ content: string }>)[0]!.content;

describe("middleware from config", () => {
  it("a middleware connector listed in `middleware` rewrites requests, with its own config keys", async () => {
    const { upstream, mesh } = await meshWith(`middleware:\n  - connector: test.pii.v1\n    replacement: "<hidden>"\n`);
    await mesh.router.chat({ model: "chat", messages: user("mail me at ada@example.com") });
    expect(sentContent(upstream)).toBe("mail me at <hidden>");
  });

  it("an unknown middleware connector, or one of another type, fails at start-up naming the entry", async () => {
    await expect(meshWith(`middleware:\n  - connector: no.such.v1\n`)).rejects.toThrow(/middleware\.0\.connector: unknown connector 'no\.such\.v1'/);
    await expect(meshWith(`middleware:\n  - connector: test.fetch.v1\n`)).rejects.toThrow(/middleware\.0\.connector: connector 'test\.fetch\.v1' is a provider connector, expected middleware/);
  });
});

describe("middleware from code", () => {
  it("composes as an onion: the first sees the request first and the answer last", async () => {
    const order: string[] = [];
    const tracer = (name: string): RouterMiddleware => ({
      name,
      beforeRequest: () => void order.push(`${name}.before`),
      afterResponse: () => void order.push(`${name}.after`),
    });
    const { mesh } = await meshWith("", [tracer("outer"), tracer("inner")]);
    await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(order).toEqual(["outer.before", "inner.before", "inner.after", "outer.after"]);
  });

  it("code middleware run outside config middleware", async () => {
    let seen = "";
    const spy: RouterMiddleware = { name: "spy", beforeRequest: ({ request }) => void (seen = (request as ChatCompletionRequest).messages[0]!.content as string) };
    const { upstream, mesh } = await meshWith(`middleware:\n  - connector: test.pii.v1\n`, [spy]);
    await mesh.router.chat({ model: "chat", messages: user("ada@example.com") });
    expect(seen).toBe("ada@example.com"); // the outer code middleware saw the original
    expect(sentContent(upstream)).toBe("[email]");
  });

  it("a cache answers repeated requests without routing", async () => {
    const cache = new Map<string, Routed<unknown>>();
    const caching: RouterMiddleware = {
      name: "cache",
      beforeRequest: ({ request, state }) => {
        const key = JSON.stringify(request);
        state.set("key", key);
        const hit = cache.get(key);
        return hit ? { response: hit } : undefined;
      },
      afterResponse: ({ state }, response) => void cache.set(state.get("key") as string, response),
    };
    const { upstream, mesh } = await meshWith("", [caching]);
    const first = await mesh.router.chat({ model: "chat", messages: user("same") });
    const second = await mesh.router.chat({ model: "chat", messages: user("same") });
    await mesh.router.chat({ model: "chat", messages: user("different") });
    expect(second.value.choices[0]!.message.content).toBe(first.value.choices[0]!.message.content);
    expect(upstream.calls).toHaveLength(2);
  });

  it("onError turns a failure into a fallback answer; without a return the error goes through", async () => {
    const canned = { value: { id: "fallback", object: "chat.completion", created: 0, model: "fallback", choices: [{ index: 0, message: { role: "assistant", content: "try later" }, finish_reason: "stop" }] } as unknown as ChatCompletion };
    const seen: string[] = [];
    const fallback: RouterMiddleware = {
      name: "fallback",
      onError: (_context, error) => {
        seen.push(error.code);
        return { response: { ...canned, trace: (error as { trace?: Routed<unknown>["trace"] }).trace! } };
      },
    };
    const { mesh } = await meshWith("", [fallback], [{ status: 500 }]);
    const routed = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(routed.value.choices[0]!.message.content).toBe("try later");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^MM_/);
    const observer: RouterMiddleware = { name: "observer", onError: () => undefined };
    const other = await meshWith("", [observer], [{ status: 500 }]);
    await expect(other.mesh.router.chat({ model: "chat", messages: user("hi") })).rejects.toMatchObject({ code: expect.stringMatching(/^MM_/) });
  });

  it("a hook that throws a plain error fails the request with MM_MIDDLEWARE naming it and the hook", async () => {
    const broken: RouterMiddleware = { name: "broken", beforeRequest: () => { throw new Error("boom"); } };
    const { upstream, mesh } = await meshWith("", [broken]);
    await expect(mesh.router.chat({ model: "chat", messages: user("hi") })).rejects.toMatchObject({ code: "MM_MIDDLEWARE", message: expect.stringContaining("[middleware broken] beforeRequest failed: boom") });
    expect(upstream.calls).toHaveLength(0);
  });

  it("router.use adds one at run time and its remover takes it out; malformed middleware is refused", async () => {
    const { upstream, mesh } = await meshWith();
    const remove = mesh.router.use({ name: "tag", beforeRequest: ({ request }) => ({ request: { ...(request as object), user: "tagged" } }) });
    await mesh.router.chat({ model: "chat", messages: user("1") });
    expect(upstream.calls.at(-1)!.body.user).toBe("tagged");
    remove();
    await mesh.router.chat({ model: "chat", messages: user("2") });
    expect(upstream.calls.at(-1)!.body.user).toBeUndefined();
    expect(() => mesh.router.use({ name: "" } as RouterMiddleware)).toThrow(/needs a non-empty `name`/);
    expect(() => mesh.router.use({ name: "empty" })).toThrow(/none of beforeRequest, afterResponse, onError/);
  });

  it("streams: afterResponse can wrap the chunk iterable", async () => {
    const { mesh } = await meshWith("", [
      {
        name: "upper",
        afterResponse: (context, response) => {
          if (!context.stream) return;
          const source = response.value as AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>;
          async function* upper() {
            for await (const chunk of source) yield { ...chunk, choices: chunk.choices.map((c) => ({ ...c, delta: { ...c.delta, content: c.delta.content?.toUpperCase() } })) };
          }
          return { ...response, value: upper() };
        },
      },
    ], [{ stream: ["abc", "def"] }]);
    const { value } = await mesh.router.chatStream({ model: "chat", messages: user("hi"), stream: true });
    let text = "";
    for await (const chunk of value) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("ABCDEF");
  });
});
