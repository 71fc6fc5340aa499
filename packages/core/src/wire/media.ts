/** OpenAI embeddings, images and audio wire types (snake_case). */

/** `POST /embeddings` body. */
export interface EmbeddingParams {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
}

/** As it crosses the mesh: unknown fields pass through untouched. */
export interface EmbeddingRequest extends EmbeddingParams {
  [key: string]: unknown;
}

/** One vector (or base64 string when `encoding_format: base64`). */
export interface Embedding {
  object: "embedding";
  index: number;
  /** The vector (with `encoding_format: "base64"` some upstreams return a base64 string here, as the SDK's wire does). */
  embedding: number[];
}

/** `POST /embeddings` response. */
export interface EmbeddingResponse {
  object: "list";
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** `POST /images/generations` body. */
export interface ImageGenerationParams {
  model?: string | null;
  prompt: string;
  n?: number | null;
  size?: string | null;
  quality?: string | null;
  style?: string | null;
  response_format?: "url" | "b64_json" | null;
  user?: string;
}

/** As it crosses the mesh: unknown fields pass through untouched. */
export interface ImageGenerationRequest extends ImageGenerationParams {
  [key: string]: unknown;
}

/** One generated image. */
export interface ImageData {
  url?: string;
  b64_json?: string;
  revised_prompt?: string;
}

/** `POST /images/generations` response. */
export interface ImagesResponse {
  created: number;
  data?: ImageData[];
  background?: "transparent" | "opaque";
  output_format?: "png" | "webp" | "jpeg";
  quality?: "low" | "medium" | "high";
  size?: "1024x1024" | "1024x1536" | "1536x1024";
  usage?: {
    input_tokens: number;
    input_tokens_details: { image_tokens: number; text_tokens: number };
    output_tokens: number;
    total_tokens: number;
  };
}

/** `POST /audio/speech` body. */
export interface SpeechParams {
  model: string;
  input: string;
  voice: string;
  instructions?: string;
  response_format?: "mp3" | "opus" | "aac" | "flac" | "wav" | "pcm";
  speed?: number;
}

/** As it crosses the mesh: unknown fields pass through untouched. */
export interface SpeechRequest extends SpeechParams {
  [key: string]: unknown;
}

/** Binary audio returned by a speech call. */
export interface SpeechResponse {
  /** Audio bytes. */
  audio: Uint8Array;
  /** MIME type, e.g. `audio/mpeg`. */
  contentType: string;
  /** Concrete model that produced the audio. */
  model: string;
}

/** `POST /audio/transcriptions` body; `file` is the audio bytes. */
export interface TranscriptionParams {
  model: string;
  file: Uint8Array | Blob;
  /** File name sent in the multipart body (the extension tells the vendor the format). */
  filename?: string;
  language?: string;
  prompt?: string;
  response_format?: "json" | "text" | "srt" | "verbose_json" | "vtt";
  temperature?: number;
}

/** As it crosses the mesh: unknown fields pass through untouched. */
export interface TranscriptionRequest extends TranscriptionParams {
  [key: string]: unknown;
}

/** `POST /audio/transcriptions` response (json form). */
export interface TranscriptionResponse {
  text: string;
  language?: string;
  duration?: number;
  [key: string]: unknown;
}

/** `GET /models` entry. */
export interface ModelListEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/** `GET /models` response. */
export interface ModelList {
  object: "list";
  data: ModelListEntry[];
}
