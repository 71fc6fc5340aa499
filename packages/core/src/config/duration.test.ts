import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { formatDuration, formatSize, parseDuration, parseSize, tryParseDuration, tryParseSize } from "./duration.js";
import { isValidCron, isValidTimeZone } from "./validators.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["1.5h", 5_400_000],
    ["300s", 300_000],
    ["1h30m", 5_400_000],
    [" 2s ", 2_000],
    [".5s", 500],
    [250, 250],
    [0, 0],
  ] as const)("%j → %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(["", "10", "10x", "-1s", "1.5", "ms", "1h 30m", "ten seconds"])("rejects %j", (input) => {
    expect(tryParseDuration(input)).toBeUndefined();
    expect(() => parseDuration(input)).toThrow(ConfigError);
  });

  it("rejects negative and non-finite numbers and non-strings", () => {
    expect(tryParseDuration(-5)).toBeUndefined();
    expect(tryParseDuration(Number.NaN)).toBeUndefined();
    expect(tryParseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(tryParseDuration(true)).toBeUndefined();
    expect(tryParseDuration(null)).toBeUndefined();
  });

  it("never echoes the input in its error", () => {
    try {
      parseDuration("sk-very-secret");
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.is(error)).toBe(true);
      expect(String((error as Error).message)).not.toContain("sk-very-secret");
    }
  });
});

describe("formatDuration", () => {
  it.each([
    [500, "500ms"],
    [0, "0ms"],
    [10_000, "10s"],
    [90_000, "1m30s"],
    [5_400_000, "1h30m"],
    [86_400_000, "1d"],
    [1_500, "1s500ms"],
  ])("%d → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("round-trips through parseDuration", () => {
    for (const ms of [1, 999, 61_001, 3_723_004, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe("parseSize", () => {
  it.each([
    ["512MB", 512 * 1024 * 1024],
    ["1KB", 1024],
    ["1kb", 1024],
    ["10 MB", 10 * 1024 * 1024],
    ["1.5KB", 1536],
    ["2GiB", 2 * 1024 ** 3],
    ["100B", 100],
    [2048, 2048],
  ] as const)("%j → %d bytes", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(["12XB", "-1KB", "MB", "", "10"])("rejects %j", (input) => {
    expect(tryParseSize(input)).toBeUndefined();
    expect(() => parseSize(input)).toThrow(ConfigError);
  });

  it("formats with the largest exact unit", () => {
    expect(formatSize(10 * 1024 * 1024)).toBe("10MB");
    expect(formatSize(1536)).toBe("1536B");
    expect(formatSize(2048)).toBe("2KB");
  });
});

describe("validators", () => {
  it("checks IANA time zones", () => {
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("Mars/Phobos")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("checks 5-field cron shapes", () => {
    expect(isValidCron("0 2 * * sun")).toBe(true);
    expect(isValidCron("*/15 9-17 * * 1-5")).toBe(true);
    expect(isValidCron("0 0 1,15 jan-jun *")).toBe(true);
    expect(isValidCron("61 * * * *")).toBe(false);
    expect(isValidCron("* * *")).toBe(false);
    expect(isValidCron("0 2 * * funday")).toBe(false);
    expect(isValidCron("5-1 * * * *")).toBe(false);
    expect(isValidCron("*/0 * * * *")).toBe(false);
  });
});
