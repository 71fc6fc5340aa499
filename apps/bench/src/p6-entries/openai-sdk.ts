// P6's reference: the official `openai` SDK's client, bundled the same way.
export { default as OpenAI } from "openai";
