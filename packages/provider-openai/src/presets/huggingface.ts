import { CHAT_COMPLETION, TEXT_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * Hugging Face Inference Providers through its OpenAI-compatible router (`https://router.huggingface.co/v1`,
 * chat completions and `GET /models`; embeddings, images and audio are served by other HF routes, not this
 * one). The key is a Hugging Face user access token (`HF_TOKEN`, fine-grained with "Make calls to Inference
 * Providers"), sent as `Authorization: Bearer`. Model ids are Hub repository ids, optionally suffixed with the
 * inference provider or a selection policy: `deepseek-ai/DeepSeek-V3-0324:fireworks-ai`, `…:fastest`,
 * `…:cheapest`; without a suffix the router picks a provider. Prices depend on that provider, so none are
 * listed; parallel tool calls depend on it too, so they are not assumed.
 */
export const huggingfacePreset: OpenAICompatiblePreset = {
  id: "huggingface.router.v1",
  aliases: ["huggingface", "hf"],
  name: "Hugging Face",
  baseUrl: "https://router.huggingface.co/v1",
  envVar: "HF_TOKEN",
  // HF_TOKEN is set on many machines to download models, not to pay for inference: never enabled by itself.
  autoDetect: false,
  docs: "https://huggingface.co/docs/inference-providers/index",
  models: [
    {
      id: "meta-llama/Llama-3.3-70B-Instruct",
      name: "Llama 3.3 70B Instruct (via Hugging Face)",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false },
    },
    {
      id: "deepseek-ai/DeepSeek-V3-0324",
      name: "DeepSeek V3 0324 (via Hugging Face)",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false },
    },
    {
      id: "Qwen/Qwen2.5-72B-Instruct",
      name: "Qwen 2.5 72B Instruct (via Hugging Face)",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 32_768,
      features: { ...TEXT_CHAT_FEATURES, parallelToolCalls: false },
    },
  ],
};
