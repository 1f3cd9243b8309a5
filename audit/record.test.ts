import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.js";
import { eventCanonicalOf, recordCanonical } from "./record.js";

describe("record framing", () => {
  it("builds exactly the RFC 8785 text of {seq, recordedAt, event}", () => {
    const event = {
      type: "run.started",
      eventId: 'e"1',
      payload: { b: 1e21, a: [-0, "x"] },
      reason: 'a ,"recordedAt": b',
    };
    const recordedAt = "2024-01-02T10:00:00.000Z";
    const text = recordCanonical(42, recordedAt, canonicalJson(event));
    expect(text).toBe(canonicalize({ seq: 42, recordedAt, event }));
    expect(recordCanonical(1, recordedAt, '{"a":1}')).toBe(
      '{"event":{"a":1},"recordedAt":"2024-01-02T10:00:00.000Z","seq":1}',
    );
  });

  it("recovers the event's canonical text, even when the event mentions recordedAt itself", () => {
    const eventText = canonicalJson({ note: ',"recordedAt":"x","seq":1}', recordedAt: "fake" });
    expect(eventCanonicalOf(recordCanonical(7, "2024-01-02T10:00:00.000Z", eventText))).toBe(
      eventText,
    );
    expect(() => eventCanonicalOf('{"seq":1}')).toThrow(RangeError);
  });
});
