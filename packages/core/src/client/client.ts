import type { RouteSnapshot } from "../connectors/rotation.js";
import type { MeshEventBus, MeshEventListener, MeshEventType } from "../events/events.js";
import type { MeshRuntime } from "../mesh/assemble.js";
import type { Mesh } from "../mesh/create-mesh.js";
import type { StreamCommit } from "../router/stream-guard.js";
import type { RoutingTrace } from "../router/trace.js";
import type { RequestOptions } from "../router/types.js";
import type { ChatCompletionRequest } from "../wire/chat.js";
import type { EmbeddingRequest, EmbeddingResponse, ImageGenerationRequest, ImagesResponse, ModelListEntry, SpeechRequest, TranscriptionParams, TranscriptionRequest, TranscriptionResponse } from "../wire/media.js";
import { toSdkCompletion, type ChatCompletionCreateParamsBase, type EmbeddingCreateParams, type ImageGenerateParams, type MeshChatCompletion, type SpeechCreateParams } from "./openai-shapes.js";
import { MeshStream } from "./stream.js";
import { attachTrace } from "./trace.js";
import { toBytes, type Uploadable } from "./uploadable.js";

declare global {
  interface SymbolConstructor {
    /**
     * `await using client = create(...)`. Declared here as TypeScript's esnext.disposable lib and Node's types
     * declare it, so that a consumer's type check needs neither.
     */
    readonly asyncDispose: unique symbol;
  }
}

/** Per-call options, shaped like the `openai` SDK's RequestOptions where they overlap. */
export interface MeshRequestOptions {
  /** Cancels the request. */
  signal?: AbortSignal;
  /** End-to-end deadline in milliseconds (the SDK's `timeout`). */
  timeout?: number;
  /** Incoming headers (e.g. a session key); never forwarded upstream. */
  headers?: Record<string, string>;
  /** Resume an interrupted stream on a prefill-capable model (overrides `routing.stream.resume`). */
  resume?: boolean;
  /**
   * When a stream's output is released (overrides the pool's and `routing.stream.commit`): `first_token`,
   * `complete` (invisible failover until the answer is whole), `{ chars: N }` or `{ ms: N }`.
   */
  streamCommit?: StreamCommit;
}

/** Non-streaming chat params. */
export type ChatCompletionCreateParamsNonStreaming = ChatCompletionCreateParamsBase & { stream?: false | null };
/** Streaming chat params. */
export type ChatCompletionCreateParamsStreaming = ChatCompletionCreateParamsBase & { stream: true };

/** `chat.completions.create` with the SDK's overloads. */
export interface ChatCompletionsCreate {
  (body: ChatCompletionCreateParamsNonStreaming, options?: MeshRequestOptions): Promise<MeshChatCompletion>;
  (body: ChatCompletionCreateParamsStreaming, options?: MeshRequestOptions): Promise<MeshStream>;
  (body: ChatCompletionCreateParamsBase, options?: MeshRequestOptions): Promise<MeshChatCompletion | MeshStream>;
}

/** `models.list()` result: awaitable page that is also async-iterable, like the SDK's PagePromise. */
export interface ModelPage extends AsyncIterable<ModelListEntry> {
  object: "list";
  data: ModelListEntry[];
}

/** Transcription params; `file` accepts what the SDK accepts (File, Blob, Response, bytes, Node streams). */
export type TranscriptionCreateParams = Omit<TranscriptionParams, "file"> & {
  file: Uploadable;
  include?: string[];
  timestamp_granularities?: Array<"word" | "segment">;
  stream?: false | null;
  chunking_strategy?: unknown;
};

function routeOptions(options: MeshRequestOptions | undefined): RequestOptions | undefined {
  if (!options) return undefined;
  return { signal: options.signal, deadlineMs: options.timeout, headers: options.headers, resume: options.resume, streamCommit: options.streamCommit };
}

/**
 * A drop-in for `new OpenAI()` backed by the mesh: the same namespaces and wire shapes, with routing,
 * failover and honest streaming behind them. Every response, stream and error carries a routing trace
 * (`getTrace(x)`).
 */
export class MeshClient<M extends MeshRuntime = Mesh> {
  readonly chat: { completions: { create: ChatCompletionsCreate } };
  readonly embeddings: { create(body: EmbeddingCreateParams, options?: MeshRequestOptions): Promise<EmbeddingResponse> };
  readonly images: { generate(body: ImageGenerateParams, options?: MeshRequestOptions): Promise<ImagesResponse> };
  readonly audio: {
    speech: { create(body: SpeechCreateParams, options?: MeshRequestOptions): Promise<Response> };
    transcriptions: { create(body: TranscriptionCreateParams, options?: MeshRequestOptions): Promise<TranscriptionResponse> };
  };
  readonly models: { list(): Promise<ModelPage> };
  readonly #pending: Promise<M>;
  readonly #events: MeshEventBus;
  #mesh: M | undefined;

  constructor(mesh: Promise<M>, events: MeshEventBus) {
    this.#events = events;
    this.#pending = mesh.then((m) => (this.#mesh = m));
    this.#pending.catch(() => {}); // surfaced by ready() and by the first call
    const create = (async (params: ChatCompletionCreateParamsBase, options?: MeshRequestOptions) => {
      const router = (this.#mesh ?? (await this.#pending)).router;
      const body = params as ChatCompletionRequest;
      if (body.stream) {
        const controller = new AbortController();
        const signal = options?.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
        const routed = await router.chatStream(body, { ...routeOptions(options), signal });
        return attachTrace(new MeshStream(routed.value, controller, routed.trace), routed.trace);
      }
      const routed = await router.chat(body, routeOptions(options));
      return attachTrace(toSdkCompletion(routed.value), routed.trace);
    }) as ChatCompletionsCreate;
    this.chat = { completions: { create } };
    this.embeddings = {
      create: async (body, options) => {
        const routed = await (await this.mesh()).router.embed(body as EmbeddingRequest, routeOptions(options));
        return attachTrace(routed.value, routed.trace);
      },
    };
    this.images = {
      generate: async (body, options) => {
        const routed = await (await this.mesh()).router.generateImage({ ...(body as ImageGenerationRequest), model: body.model ?? "image-generation" }, routeOptions(options));
        return attachTrace(routed.value, routed.trace);
      },
    };
    this.audio = {
      speech: {
        create: async (body, options) => {
          const routed = await (await this.mesh()).router.speech(body as SpeechRequest, routeOptions(options));
          const response = new Response(routed.value.audio as unknown as BodyInit, { status: 200, headers: { "content-type": routed.value.contentType } });
          return attachTrace(response, routed.trace);
        },
      },
      transcriptions: {
        create: async (body, options) => {
          const file = await toBytes(body.file);
          const routed = await (await this.mesh()).router.transcribe({ ...(body as Omit<TranscriptionRequest, "file">), file: file.bytes, filename: body.filename ?? file.name } as TranscriptionRequest, routeOptions(options));
          return attachTrace(routed.value, routed.trace);
        },
      },
    };
    this.models = { list: async () => listModels(await this.mesh()) };
  }

  /** Resolves once providers, pools and policies are built; rejects with the start-up error (bad config…). */
  async ready(): Promise<this> {
    await this.#pending;
    return this;
  }

  /** The underlying mesh (router, ledger, registry, config). */
  mesh(): Promise<M> {
    return this.#mesh ? Promise.resolve(this.#mesh) : this.#pending;
  }

  /** Subscribes to the core's typed events (`*` for all). Returns an unsubscribe function. */
  on<T extends MeshEventType>(type: T | "*", listener: MeshEventListener<T>): () => void {
    return this.#events.on(type, listener);
  }

  /** Dry run: where would this request go and why. */
  async explain(body: ChatCompletionRequest): Promise<RoutingTrace> {
    return (await this.mesh()).router.explain(body);
  }

  /** State of every route of a pool (or of all pools). */
  async poolStatus(poolId?: string): Promise<Record<string, RouteSnapshot[]>> {
    const mesh = await this.mesh();
    const out: Record<string, RouteSnapshot[]> = {};
    for (const [id, pool] of mesh.router.pools) {
      if (poolId !== undefined && id !== poolId) continue;
      out[id] = await Promise.all(
        pool.members.map((modelId, order) => {
          const model = mesh.router.models.get(modelId)!;
          return mesh.ledger.snapshot({ routeId: `${model.providerId}/${model.id}`, providerId: model.providerId, modelId, upstreamModel: model.upstreamModel, order });
        }),
      );
    }
    return out;
  }

  /** Flushes state and closes providers. */
  async close(): Promise<void> {
    await (await this.#pending.catch(() => undefined))?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function listModels(mesh: MeshRuntime): ModelPage {
  const data: ModelListEntry[] = [];
  const seen = new Set<string>();
  const add = (id: string, ownedBy: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    data.push({ id, object: "model", created: 0, owned_by: ownedBy });
  };
  for (const [id] of mesh.router.pools) if (!id.includes(":")) add(id, "modelmesh");
  for (const model of mesh.router.models.values()) add(model.id, model.providerId);
  return {
    object: "list",
    data,
    async *[Symbol.asyncIterator]() {
      yield* data;
    },
  };
}
