import { cerebrasPreset } from "./cerebras.js";
import { deepseekPreset } from "./deepseek.js";
import { fireworksPreset } from "./fireworks.js";
import { groqPreset } from "./groq.js";
import { huggingfacePreset } from "./huggingface.js";
import { lmstudioPreset } from "./lmstudio.js";
import { localaiPreset } from "./localai.js";
import { mistralPreset } from "./mistral.js";
import { ollamaPreset } from "./ollama.js";
import type { OpenAICompatiblePreset } from "./openai-compatible-preset.js";
import { openrouterPreset } from "./openrouter.js";
import { perplexityPreset } from "./perplexity.js";
import { togetherPreset } from "./together.js";
import { vllmPreset } from "./vllm.js";
import { xaiPreset } from "./xai.js";

/**
 * Every shipped OpenAI-compatible vendor preset (hosted first, then local servers). Adding a vendor is one
 * file with one `OpenAICompatiblePreset` object and one line here; the connectors, the conformance table and
 * the `modelmesh` package's environment detection pick it up.
 */
export const OPENAI_COMPATIBLE_PRESETS: readonly OpenAICompatiblePreset[] = [
  groqPreset,
  togetherPreset,
  deepseekPreset,
  mistralPreset,
  xaiPreset,
  openrouterPreset,
  fireworksPreset,
  cerebrasPreset,
  perplexityPreset,
  huggingfacePreset,
  ollamaPreset,
  vllmPreset,
  lmstudioPreset,
  localaiPreset,
];
