import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.js";
import { prepareEvent } from "./event-schema.js";
import {
  columnSpans,
  columnsProblemOf,
  type EventColumns,
  eventCanonicalOf,
  eventColumnsMatch,
  eventColumnsProblem,
  markColumnsProblem,
  recordCanonical,
  recordEventEnd,
  storedColumnsProblem,
} from "./record.js";
import type { AuditEventInput } from "./types.js";

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

// ---------- stored query columns against the canonical bytes ----------

const AT = "2024-01-02T10:00:00.000Z";

/** An event as a writer appends it, validated and canonicalised exactly as the audit log does. */
function stored(
  input: unknown,
  seq = 7,
): {
  record: { seq: number; recordedAt: string; canonical: string };
  event: AuditEventInput;
  eventCanonical: string;
} {
  const { event, eventCanonical } = prepareEvent(input, "event");
  return {
    record: { seq, recordedAt: AT, canonical: recordCanonical(seq, AT, eventCanonical) },
    event,
    eventCanonical,
  };
}

/** The columns an honest store writes, read off the event object itself (not the canonical text). */
function honest(event: AuditEventInput, eventCanonical: string): EventColumns {
  return {
    eventId: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt,
    actorId: event.actor.id,
    runId: event.subject?.runId ?? null,
    portfolioId: event.subject?.portfolioId ?? null,
    eventCanonical,
  };
}

/** The fast path alone, as the SQL backends call it (columns concatenated into one source). */
function fastMatch(record: { canonical: string }, columns: EventColumns): boolean {
  const spans = columnSpans();
  let source = "";
  const values = [
    columns.eventId,
    columns.type,
    columns.occurredAt,
    columns.actorId,
    columns.runId,
    columns.portfolioId,
  ];
  values.forEach((value, k) => {
    spans[2 * k] = value === null ? -1 : source.length;
    source += value === null ? "" : (value as string);
    spans[2 * k + 1] = source.length;
  });
  const end = record.canonical.lastIndexOf(',"recordedAt":');
  return eventColumnsMatch(record.canonical, 9, end, source, spans);
}

const base = {
  eventId: "run-1:proposal",
  type: "proposal.created",
  occurredAt: "2024-01-02T09:59:59.123Z",
  actor: { kind: "agent", id: "rebalancer", role: "pm" },
};

/** Events of every shape the schema allows, each with the query fields in a different place. */
const SHAPES: readonly (readonly [string, unknown, boolean])[] = [
  // [description, event, whether every value is plain (the fast path proves it)]
  [
    "a full event",
    {
      ...base,
      recommendedBy: { agent: "r", version: "1" },
      subject: { portfolioId: "pf-1", runId: "run-1", proposalVersion: 3 },
      outcome: { status: "success", code: "OK" },
      reason: "x",
      correlationId: "run-1",
      causationId: "c-1",
      policyVersion: "p",
      payload: { a: 1 },
    },
    true,
  ],
  ["no subject", { ...base, payload: { note: "n" } }, true],
  ["a subject with runId only", { ...base, subject: { runId: "run-2" } }, true],
  ["a subject with portfolioId only", { ...base, subject: { portfolioId: "pf-2" } }, true],
  [
    "a subject with portfolioId and proposalVersion",
    { ...base, subject: { portfolioId: "pf-2", proposalVersion: 0 } },
    true,
  ],
  [
    "a subject with proposalVersion and runId",
    { ...base, subject: { proposalVersion: 12, runId: "r" } },
    true,
  ],
  ["a subject with proposalVersion only", { ...base, subject: { proposalVersion: 1 } }, true],
  ["an empty subject", { ...base, subject: {} }, true],
  [
    "no role, no causation, an actor id that sorts oddly",
    { ...base, actor: { kind: "system", id: "~zz" } },
    true,
  ],
  // The payload is the member right before type and ends like a subject would.
  [
    "a payload that mimics a subject",
    { ...base, payload: { subject: { runId: "run-9", portfolioId: "pf-9" }, runId: "run-9" } },
    false, // both columns null and a nested "subject" key: decided by parsing
  ],
  [
    "a payload holding a subject key, with a real subject",
    {
      ...base,
      payload: { subject: { runId: "fake" } },
      subject: { runId: "real", portfolioId: "pf" },
    },
    true,
  ],
  [
    "the largest proposalVersion",
    { ...base, subject: { runId: "r", proposalVersion: Number.MAX_SAFE_INTEGER } },
    true,
  ],
  [
    "values that JSON escapes",
    {
      ...base,
      eventId: 'id "quoted" \\ \n',
      actor: { kind: "human", id: "tab\there" },
      subject: { runId: 'r"1', portfolioId: "p\\2" },
    },
    false,
  ],
  [
    "non-ASCII values",
    {
      ...base,
      eventId: "évènement-☃-😀",
      actor: { kind: "human", id: "Zoë" },
      subject: { runId: "ран-1", portfolioId: "組合" },
    },
    true,
  ],
];

describe("stored query columns against the canonical bytes", () => {
  it("finds the event's end from the record's own recordedAt and seq", () => {
    const text = '{"event":{},"recordedAt":"t","seq":7}';
    expect(recordEventEnd(text, "t", 7)).toBe(11); // '{"event":{}' is 11 characters
    expect(recordEventEnd(text, "t", 17)).toBe(-1);
    expect(recordEventEnd(text, "u", 7)).toBe(-1);
    expect(recordEventEnd('{"event":{},"recordedAt":"t","seq":77}', "t", 7)).toBe(-1);
    expect(recordEventEnd('{"evenx":{},"recordedAt":"t","seq":7}', "t", 7)).toBe(-1);
    const big = recordCanonical(9007199254740991, AT, "{}");
    expect(recordEventEnd(big, AT, 9007199254740991)).toBe(11);
  });

  it("accepts the columns an honest store keeps, for events of every shape", () => {
    for (const [name, input, plain] of SHAPES) {
      const { record, event, eventCanonical } = stored(input);
      expect(storedColumnsProblem(record, honest(event, eventCanonical)), name).toBeNull();
      // Plain values are proven by the fast path; the others are decided by parsing.
      expect(fastMatch(record, honest(event, eventCanonical)), name).toBe(plain);
    }
  });

  it("names each column that disagrees with the canonical bytes, whatever the event's shape", () => {
    for (const [name, input] of SHAPES) {
      const { record, event, eventCanonical } = stored(input);
      const columns = honest(event, eventCanonical);
      const changes: readonly (readonly [keyof EventColumns, unknown, string])[] = [
        ["eventId", `${event.eventId}x`, "event_id"],
        ["type", "order.released", "type"],
        ["occurredAt", "2024-01-02T09:59:59.124Z", "occurred_at"],
        ["actorId", `${event.actor.id} `, "actor_id"],
        ["runId", columns.runId === null ? "run-9" : null, "run_id"],
        ["runId", `${String(columns.runId)}-other`, "run_id"],
        ["portfolioId", columns.portfolioId === null ? "pf-9" : null, "portfolio_id"],
        ["portfolioId", Buffer.from(String(columns.portfolioId)), "portfolio_id"],
        ["eventId", Buffer.from(event.eventId), "event_id"],
        ["eventCanonical", eventCanonical.replace(/}$/, " }"), "event_canonical"],
      ];
      for (const [key, value, column] of changes) {
        const altered = { ...columns, [key]: value };
        // (The SQL backends hand the fast path strings only, and compare event_canonical apart.)
        if ((typeof value === "string" || value === null) && key !== "eventCanonical")
          expect(fastMatch(record, altered), `${name}: ${column}`).toBe(false);
        expect(storedColumnsProblem(record, altered), `${name}: ${column}`).toMatch(
          new RegExp(`the stored ${column} column`),
        );
      }
    }
    // The mimicking payload does not stand in for the missing subject.
    const { record, event, eventCanonical } = stored(SHAPES[9]?.[1]);
    expect(
      storedColumnsProblem(record, {
        ...honest(event, eventCanonical),
        runId: "run-9",
        portfolioId: "pf-9",
      }),
    ).toBe('the stored run_id column ("run-9") differs from the canonical bytes (absent)');
  });

  it("leaves a record whose bytes are not framed as its own to the verification of its framing", () => {
    const { record, event, eventCanonical } = stored(SHAPES[0]?.[1], 7);
    const columns = { ...honest(event, eventCanonical), runId: "other" };
    expect(storedColumnsProblem({ ...record, seq: 8 }, columns)).toBeNull();
    expect(storedColumnsProblem(record, columns)).toMatch(/run_id/);
  });

  it("never proves equal by the fast path what parsing finds different (random events and columns)", () => {
    const text = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom("a", "run-1", "pf-1", 'q"', "b\\", "\u001e", "é"),
    );
    const eventArb = fc.record(
      {
        eventId: text,
        type: fc.constantFrom("run.started", "proposal.created", "a.b_c"),
        occurredAt: fc.constantFrom("2024-01-02T09:59:59.123Z", "2025-06-30T00:00:00.000Z"),
        actor: fc.record(
          { kind: fc.constantFrom("human", "agent", "system"), id: text, role: text },
          { requiredKeys: ["kind", "id"] },
        ),
        subject: fc.record(
          { portfolioId: text, runId: text, proposalVersion: fc.nat(5) },
          { requiredKeys: [] },
        ),
        correlationId: text,
        causationId: text,
        reason: text,
        payload: fc.dictionary(
          fc.constantFrom("runId", "subject", "portfolioId", "x"),
          fc.oneof(text, fc.dictionary(fc.constantFrom("runId", "portfolioId"), text)),
        ),
      },
      { requiredKeys: ["eventId", "type", "occurredAt", "actor"] },
    );
    /** Every string in a value: the likeliest forgeries reuse text that is already in the event. */
    const strings = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : typeof value === "object" && value !== null
          ? Object.values(value).flatMap(strings)
          : [];
    const swapOf = (input: unknown): fc.Arbitrary<Record<string, unknown>> => {
      const column = fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        text,
        fc.constantFrom(...strings(input)),
      );
      return fc.record({
        eventId: column,
        type: column,
        occurredAt: column,
        actorId: column,
        runId: column,
        portfolioId: column,
      });
    };
    fc.assert(
      fc.property(
        eventArb.chain((input) => fc.tuple(fc.constant(input), swapOf(input))),
        ([input, swap]) => {
          const { record, event, eventCanonical } = stored(input);
          const columns: EventColumns = {
            ...honest(event, eventCanonical),
            ...Object.fromEntries(Object.entries(swap).filter(([, v]) => v !== undefined)),
          };
          const exact = eventColumnsProblem(eventCanonical, columns);
          if (fastMatch(record, columns)) expect(exact).toBeNull();
          expect(storedColumnsProblem(record, columns)).toBe(exact);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("notes a problem on a record without changing its shape, equality or JSON", () => {
    const record = { seq: 1, recordedAt: AT, canonical: "{}", leafHash: "a", chainHash: "b" };
    const copy = { ...record };
    expect(columnsProblemOf(record)).toBeUndefined();
    markColumnsProblem(record, "the stored type column differs");
    expect(columnsProblemOf(record)).toBe("the stored type column differs");
    expect(Object.keys(record)).toEqual(Object.keys(copy));
    expect(JSON.stringify(record)).toBe(JSON.stringify(copy));
    expect(record).toEqual(copy);
  });

  it("explains the documented example", () => {
    const text = '{"actor":{"id":"a","kind":"system"},"eventId":"e","occurredAt":"t","type":"x.y"}';
    expect(
      eventColumnsProblem(text, {
        eventId: "e",
        type: "x.y",
        occurredAt: "t",
        actorId: "a",
        runId: "r",
        portfolioId: null,
        eventCanonical: text,
      }),
    ).toBe('the stored run_id column ("r") differs from the canonical bytes (absent)');
  });
});
