/**
 * Live checks against the real Gemini API: one chat, one stream. Skipped unless GEMINI_API_KEY (or
 * GOOGLE_API_KEY) is set; never part of the default run. Model: MODELMESH_GEMINI_LIVE_MODEL or
 * gemini-2.5-flash-lite (the cheapest chat model).
 */
import { describe, expect, it } from "vitest";
import { GeminiProvider } from "../src/index.js";

const KEY = process.env.GEMINI_API_KEY ?? process.env.GOOGLE_API_KEY;
const MODEL = process.env.MODELMESH_GEMINI_LIVE_MODEL ?? "gemini-2.5-flash-lite";
const TIMEOUTS = { connectMs: 15_000, firstTokenMs: 30_000, idleMs: 30_000 };

describe.skipIf(!KEY)("google.gemini.v1 live", () => {
  it("completes a chat", async () => {
    const provider = new GeminiProvider({ apiKey: KEY });
    try {
      const completion = await provider.complete(
        { model: MODEL, messages: [{ role: "system", content: "Answer with one word." }, { role: "user", content: "What colour is the clear daytime sky?" }], max_tokens: 200 },
        { timeouts: TIMEOUTS },
      );
      expect(completion.choices[0]!.message.content?.toLowerCase()).toContain("blue");
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    } finally {
      await provider.close();
    }
  }, 60_000);

  it("streams a chat to a clean end with usage", async () => {
    const provider = new GeminiProvider({ apiKey: KEY });
    try {
      let text = "";
      let finish: string | null = null;
      let total = 0;
      for await (const chunk of provider.stream({ model: MODEL, messages: [{ role: "user", content: "Count from 1 to 5, digits separated by spaces." }], max_tokens: 200 }, { timeouts: TIMEOUTS })) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
        total = chunk.usage?.total_tokens ?? total;
      }
      expect(text).toMatch(/1\D+2\D+3\D+4\D+5/);
      expect(finish).toBe("stop");
      expect(total).toBeGreaterThan(0);
    } finally {
      await provider.close();
    }
  }, 60_000);
});
