import { describe, expect, it } from "vitest";
import { AuditError } from "./errors.js";
import {
  decodeCursor,
  encodeCursor,
  isIsoMillis,
  normaliseQuery,
  prepareEvent,
} from "./event-schema.js";
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from "./types.js";

function failure(fn: () => unknown): AuditError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditError);
    return error as AuditError;
  }
  throw new Error("expected an AuditError");
}

const base = {
  eventId: "e1",
  type: "run.started",
  occurredAt: "2024-01-02T10:00:00.000Z",
  actor: { kind: "system", id: "scheduler" },
};

describe("event validation", () => {
  it("canonicalises a valid event (the doc example)", () => {
    expect(prepareEvent(base, "event").eventCanonical).toBe(
      '{"actor":{"id":"scheduler","kind":"system"},"eventId":"e1","occurredAt":"2024-01-02T10:00:00.000Z","type":"run.started"}',
    );
  });

  it("drops undefined optional fields from both the canonical text and the returned event", () => {
    const prepared = prepareEvent(
      { ...base, reason: undefined, subject: { runId: "r1", portfolioId: undefined } },
      "event",
    );
    expect(prepared.event).toEqual({ ...base, subject: { runId: "r1" } });
    expect(Object.keys(prepared.event)).not.toContain("reason");
  });

  it("accepts the governance event types and refuses others", () => {
    for (const type of [
      "run.started",
      "data.quality_failed",
      "authz.denied",
      "order.released",
      "a.b.c",
    ]) {
      expect(() => prepareEvent({ ...base, type }, "event")).not.toThrow();
    }
    for (const type of [
      "run",
      "Run.started",
      "run.",
      ".run",
      "run.started!",
      "run.2",
      "run started",
    ]) {
      expect(failure(() => prepareEvent({ ...base, type }, "event")).field).toBe("event.type");
    }
  });

  it("accepts only real instants written as toISOString() writes them", () => {
    expect(isIsoMillis("2024-02-29T23:59:59.999Z")).toBe(true);
    for (const t of [
      "2023-02-29T00:00:00.000Z",
      "2024-01-02T10:00:00Z",
      "2024-01-02T10:00:00.000+00:00",
      "2024-01-02",
      "2024-13-01T00:00:00.000Z",
    ]) {
      expect(isIsoMillis(t)).toBe(false);
    }
  });

  it("names unknown fields at any level", () => {
    expect(failure(() => prepareEvent({ ...base, approvedBy: "me" }, "events[3]")).field).toBe(
      "events[3].approvedBy",
    );
    expect(
      failure(() => prepareEvent({ ...base, outcome: { status: "success", extra: 1 } }, "event"))
        .field,
    ).toBe("event.outcome.extra");
    expect(
      failure(() => prepareEvent({ ...base, subject: { proposalVersion: 1.5 } }, "event")).field,
    ).toBe("event.subject.proposalVersion");
    expect(failure(() => prepareEvent(null, "event")).code).toBe("INVALID_EVENT");
  });
});

describe("query normalisation", () => {
  it("defaults, clamps and refuses page sizes", () => {
    expect(normaliseQuery().limit).toBe(AUDIT_PAGE_DEFAULT);
    expect(normaliseQuery({ runId: "r1", limit: 10_000 }).limit).toBe(AUDIT_PAGE_MAX);
    expect(normaliseQuery({ limit: 1 }).limit).toBe(1);
    for (const limit of [0, -5, 2.5, Number.POSITIVE_INFINITY])
      expect(failure(() => normaliseQuery({ limit })).field).toBe("limit");
  });

  it("normalises time bounds to toISOString form", () => {
    const q = normaliseQuery({ from: "2024-01-02", to: "2024-01-02T12:30:00+02:00" });
    expect(q.filter).toEqual({ from: "2024-01-02T00:00:00.000Z", to: "2024-01-02T10:30:00.000Z" });
    expect(failure(() => normaliseQuery({ to: "02/01/2024" })).field).toBe("to");
  });

  it("round-trips cursors and refuses anything else", () => {
    expect(encodeCursor(100)).toBe("YTEwMA"); // base64url("a100")
    expect(decodeCursor("YTEwMA")).toBe(100);
    expect(normaliseQuery({ cursor: encodeCursor(7) }).afterSeq).toBe(7);
    for (const c of ["", "YTEwMA==", "YTAx", Buffer.from("b100").toString("base64url"), "!!!"]) {
      expect(failure(() => decodeCursor(c)).field).toBe("cursor");
    }
  });
});
