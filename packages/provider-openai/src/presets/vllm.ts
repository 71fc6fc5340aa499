import { CHAT_COMPLETION, PLAIN_CHAT_FEATURES } from "../openai-capabilities.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";

/**
 * A vLLM OpenAI-compatible server (`vllm serve <model>`, port 8000). No API key unless the server was started
 * with `--api-key`; `VLLM_HOST` replaces the base URL. A vLLM server serves the model it was launched with:
 * the entry below is an example, `discoverModels()` lists the real one. Tool calling needs the server flag
 * `--enable-auto-tool-choice`, so it is not assumed; `json_schema` output (guided decoding) always works.
 */
export const vllmPreset: OpenAICompatiblePreset = {
  id: "vllm.local.v1",
  aliases: ["vllm"],
  name: "vLLM",
  baseUrl: "http://localhost:8000/v1",
  envVar: "VLLM_HOST",
  local: true,
  docs: "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
  models: [
    {
      id: "meta-llama/Llama-3.1-8B-Instruct",
      name: "Llama 3.1 8B Instruct",
      capabilities: [CHAT_COMPLETION],
      contextWindow: 131_072,
      pricing: { inputPerMillion: 0, outputPerMillion: 0 },
      features: { ...PLAIN_CHAT_FEATURES, jsonMode: true, structuredOutput: true },
    },
  ],
};
