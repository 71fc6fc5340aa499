/**
 * The OpenAI endpoints. Bodies are passed to the router as they are (unknown fields pass through, docs/ARCHITECTURE.md §2.1);
 * nothing from the request chooses where the call goes except the `model` name, resolved by the router.
 * Headers are used only for session keys and are never forwarded upstream, so no header or body field can
 * act as an upstream base URL or change connector config.
 */
import type { ChatCompletionRequest, EmbeddingRequest, ImageGenerationRequest, Routed, SpeechRequest, TranscriptionRequest } from "@modelmesh/core";
import { checkPoolAccess } from "../auth.js";
import { readForm, readJson } from "../http/body.js";
import { ProxyHttpError } from "../http/errors.js";
import { routingHeaders, sendJson, sendRoutedJson, sendText } from "../http/respond.js";
import { limitsOf, type EffectiveLimits } from "../limits.js";
import { routeOptions, type RequestContext } from "../runtime.js";
import { publicPools } from "../state.js";
import { streamChat } from "./chat-stream.js";

function requireModel(body: Record<string, unknown>, fallback?: string): string {
  const model = body.model ?? fallback;
  if (typeof model !== "string" || model.length === 0) {
    throw new ProxyHttpError(400, "invalid_request_error", "missing_model", "[modelmesh] [proxy] `model` is required: a pool, a capability (e.g. chat-completion) or a model id. See GET /v1/models.");
  }
  return model;
}

function options(ctx: RequestContext) {
  return routeOptions(ctx);
}

function sendRouted(ctx: RequestContext, routed: Routed<unknown>): void {
  sendRoutedJson(ctx.res, routed.value, ctx.cors, ctx.requestId, routed.trace);
}

function limit(ctx: RequestContext): EffectiveLimits {
  return limitsOf(ctx.mesh.config.proxy);
}

/**
 * `messages` must be an array of message objects: anything else (`[null]`, `[1]`, `["hi"]`) is the
 * caller's mistake, a 400 before routing.
 */
function requireMessages(body: Record<string, unknown>): void {
  const messages = body.messages;
  if (!Array.isArray(messages)) throw new ProxyHttpError(400, "invalid_request_error", "missing_messages", "[modelmesh] [proxy] `messages` must be an array of chat messages.");
  const bad = messages.findIndex((m) => typeof m !== "object" || m === null || Array.isArray(m));
  if (bad >= 0) throw new ProxyHttpError(400, "invalid_request_error", "invalid_messages", `[modelmesh] [proxy] \`messages[${bad}]\` must be a message object ({ role, content }).`);
}

/** `POST /v1/chat/completions`, plain or SSE. */
export async function chatCompletions(ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx.req, limit(ctx));
  checkPoolAccess(ctx.principal, ctx.mesh, requireModel(body));
  requireMessages(body);
  const request = body as unknown as ChatCompletionRequest;
  if (request.stream === true) return streamChat(ctx, request);
  sendRouted(ctx, await ctx.mesh.router.chat(request, options(ctx)));
}

/** `POST /v1/embeddings`. */
export async function embeddings(ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx.req, limit(ctx));
  checkPoolAccess(ctx.principal, ctx.mesh, requireModel(body));
  sendRouted(ctx, await ctx.mesh.router.embed(body as EmbeddingRequest, options(ctx)));
}

/** `POST /v1/images/generations` (`model` defaults to the `image-generation` capability). */
export async function imageGenerations(ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx.req, limit(ctx));
  const model = requireModel(body, "image-generation");
  checkPoolAccess(ctx.principal, ctx.mesh, model);
  sendRouted(ctx, await ctx.mesh.router.generateImage({ ...(body as ImageGenerationRequest), model }, options(ctx)));
}

/** `POST /v1/audio/speech`: binary audio with the upstream's content type. */
export async function speech(ctx: RequestContext): Promise<void> {
  const body = await readJson(ctx.req, limit(ctx));
  checkPoolAccess(ctx.principal, ctx.mesh, requireModel(body));
  const routed = await ctx.mesh.router.speech(body as SpeechRequest, options(ctx));
  const audio = Buffer.from(routed.value.audio.buffer, routed.value.audio.byteOffset, routed.value.audio.byteLength);
  ctx.res.writeHead(200, { ...ctx.cors, ...routingHeaders(ctx.requestId, routed.trace), "content-type": routed.value.contentType, "content-length": audio.length });
  ctx.res.end(audio);
}

const NUMERIC_FIELDS = new Set(["temperature"]);

/** `POST /v1/audio/transcriptions`: multipart in (within the body limit), JSON or text out per `response_format`. */
export async function transcriptions(ctx: RequestContext): Promise<void> {
  const form = await readForm(ctx.req, limit(ctx).maxBodySize);
  const file = form.files.file;
  if (!file) throw new ProxyHttpError(400, "invalid_request_error", "missing_file", "[modelmesh] [proxy] the multipart body has no `file` part.");
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form.fields)) fields[key] = NUMERIC_FIELDS.has(key) && typeof value === "string" && value !== "" ? Number(value) : value;
  const model = requireModel(fields);
  checkPoolAccess(ctx.principal, ctx.mesh, model);
  const request = { ...fields, model, file: file.bytes, filename: file.filename } as TranscriptionRequest;
  const routed = await ctx.mesh.router.transcribe(request, options(ctx));
  const format = request.response_format;
  const headers = { ...ctx.cors, ...routingHeaders(ctx.requestId, routed.trace) };
  if (format === "text" || format === "srt" || format === "vtt") {
    sendText(ctx.res, 200, String(routed.value.text), format === "vtt" ? "text/vtt; charset=utf-8" : "text/plain; charset=utf-8", headers);
    return;
  }
  sendJson(ctx.res, 200, routed.value, headers);
}

/**
 * `GET /v1/models`: the pools (virtual names, with their members) and the concrete models, in the OpenAI list
 * shape. Pools a token may not use are left out.
 */
export function listModels(ctx: RequestContext): void {
  const allowed = ctx.principal.pools;
  const data: Array<Record<string, unknown>> = [];
  const visibleModels = new Set<string>();
  for (const pool of publicPools(ctx.mesh)) {
    if (allowed !== undefined && !allowed.includes(pool.id)) continue;
    const members = ctx.mesh.router.pools.get(pool.id)?.members ?? [];
    for (const id of members) visibleModels.add(id);
    data.push({ id: pool.id, object: "model", created: 0, owned_by: "modelmesh", modelmesh: { kind: "pool", capability: pool.capability, strategy: pool.strategy, members } });
  }
  for (const model of ctx.mesh.router.models.values()) {
    if (allowed !== undefined && !visibleModels.has(model.id)) continue;
    data.push({ id: model.id, object: "model", created: 0, owned_by: model.providerId, modelmesh: { kind: "model", provider: model.providerId, upstream_model: model.upstreamModel, capabilities: model.capabilities } });
  }
  sendJson(ctx.res, 200, { object: "list", data }, ctx.cors);
}
