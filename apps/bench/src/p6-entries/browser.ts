// P6's measured entry: what a page ships to route chats across OpenAI-compatible providers.
export { createBrowser } from "@modelmesh/browser";
