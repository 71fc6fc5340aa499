import { describe, expect, it } from "vitest";
import { parseSse, type SseEvent } from "../../src/sse/parse-sse.js";

const encoder = new TextEncoder();

async function* chunks(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function parseParts(parts: Uint8Array[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(chunks(parts))) events.push(event);
  return events;
}

function parseText(text: string): Promise<SseEvent[]> {
  return parseParts([encoder.encode(text)]);
}

/** A sample stream exercising every rule at once: CRLF, CR, LF, comments, multi-line data, multi-byte text. */
const SAMPLE =
  ": keep-alive comment\r\n" +
  "event: message\r\n" +
  'data: {"text":"héllo 👋"}\r\n' +
  "\r\n" +
  "data:no-space\r" +
  "\r" +
  "data: line one\n" +
  "data: line two\n" +
  "id: 7\n" +
  "retry: 1000\n" +
  "\n" +
  "data: 日本語\n\n" +
  "data: [DONE]\n\n";

const SAMPLE_EVENTS: SseEvent[] = [
  { event: "message", data: '{"text":"héllo 👋"}' },
  { data: "no-space" },
  { data: "line one\nline two", id: "7" },
  { data: "日本語", id: "7" },
  { data: "[DONE]", id: "7" },
];

describe("parseSse", () => {
  it("parses the sample stream delivered in one chunk", async () => {
    expect(await parseText(SAMPLE)).toEqual(SAMPLE_EVENTS);
  });

  it("gives the same events for every split position of the sample (including inside UTF-8 characters and CRLF)", async () => {
    const bytes = encoder.encode(SAMPLE);
    for (let split = 0; split <= bytes.length; split++) {
      const events = await parseParts([bytes.slice(0, split), bytes.slice(split)]);
      expect(events, `split at byte ${split}`).toEqual(SAMPLE_EVENTS);
    }
  });

  it("gives the same events when the sample arrives one byte at a time", async () => {
    const bytes = encoder.encode(SAMPLE);
    const parts = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(await parseParts(parts)).toEqual(SAMPLE_EVENTS);
  });

  it("treats a CR at the end of one chunk and an LF at the start of the next as ONE line ending", async () => {
    const events = await parseParts([encoder.encode("data: a\r"), encoder.encode("\ndata: b\r\n\r\n")]);
    expect(events).toEqual([{ data: "a\nb" }]);
  });

  it("keeps a pending CR across an empty chunk (the decoder yields \"\" for empty or partial input)", async () => {
    const events = await parseParts([encoder.encode("data: a\r"), new Uint8Array(0), encoder.encode("\ndata: b\n\n")]);
    expect(events).toEqual([{ data: "a\nb" }]);
  });

  it("ignores comments and retry, and unknown fields", async () => {
    expect(await parseText(": hi\nretry: 5\nfoo: bar\ndata: x\n\n")).toEqual([{ data: "x" }]);
  });

  it("dispatches `data:` with an empty value as an empty string, and skips blank events", async () => {
    expect(await parseText("data:\n\n\n\nevent: ping\n\n")).toEqual([{ data: "" }]);
  });

  it("dispatches a final event that is not followed by a blank line", async () => {
    expect(await parseText("data: a\n\ndata: [DONE]")).toEqual([{ data: "a" }, { data: "[DONE]" }]);
  });

  it("strips only one leading space from values", async () => {
    expect(await parseText("data:  two spaces\n\n")).toEqual([{ data: " two spaces" }]);
  });

  it("propagates an error of the byte source", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encoder.encode("data: a\n\n");
      throw new Error("socket reset");
    }
    const seen: SseEvent[] = [];
    await expect(
      (async () => {
        for await (const event of parseSse(failing())) seen.push(event);
      })(),
    ).rejects.toThrow("socket reset");
    expect(seen).toEqual([{ data: "a" }]);
  });
});
