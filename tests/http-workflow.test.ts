import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  errorOf,
  examplePortfolio,
  FILE_PATH,
  recordingCall,
  STACK_FRAME,
  startTestServer,
  tokenFor,
  type TestServer,
} from "./http-helpers.js";
import { createTestSchema, pgAvailable } from "./pg.js";

/**
 * The whole approval workflow over real HTTP on loopback, one server for the file: a PM keeps a
 * portfolio and asks for a briefing; supervisors decide (four-eyes rules, stale proposals, replays,
 * double release, a race); the released orders come out as JSON and CSV; an auditor pages and
 * verifies the trail. Expected values come from the governance rules (GOVERNANCE.md §2) and the
 * example portfolio, not from the server's own answers.
 */

/** Every answer's text, checked at the end for leaked internals (stack frames, file paths). */
const { call, answers } = recordingCall();
const BALANCED = examplePortfolio();

const HEX64 = /^[0-9a-f]{64}$/;

const OrderSchema = z.looseObject({
  idempotencyKey: z.string(),
  symbol: z.string(),
  side: z.enum(["BUY", "SELL"]),
  quantity: z.number(),
  price: z.number(),
  notional: z.number(),
});

const BriefingSchema = z.looseObject({
  runId: z.string().min(1),
  status: z.string(),
  proposal: z.looseObject({ hash: z.string().optional(), orders: z.array(OrderSchema) }),
  approval: z.looseObject({
    request: z
      .looseObject({
        runId: z.string(),
        portfolioId: z.string(),
        requestedBy: z.string(),
        proposalHash: z.string(),
        softWarnings: z.array(z.string()),
      })
      .nullable(),
  }),
});
type Briefing = z.infer<typeof BriefingSchema>;

const DecisionSchema = z.strictObject({
  runId: z.string(),
  status: z.string(),
  outcome: z.enum(["approved", "awaiting_second_approval", "rejected", "unchanged"]),
  required: z.number().int(),
  approvals: z.number().int(),
  replayed: z.boolean(),
});

const VersionSchema = z.looseObject({
  portfolioId: z.string(),
  version: z.number().int(),
  desk: z.string().nullable(),
  hash: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  portfolio: z.looseObject({ id: z.string(), cash: z.number() }),
});

const RecordSchema = z.looseObject({
  seq: z.number().int(),
  event: z.looseObject({
    eventId: z.string(),
    type: z.string(),
    actor: z.looseObject({ id: z.string(), kind: z.string() }),
    outcome: z.looseObject({ status: z.string(), code: z.string().optional() }).optional(),
    subject: z.looseObject({ runId: z.string().optional() }).optional(),
    payload: z.unknown().optional(),
    reason: z.string().optional(),
  }),
});
type AuditRecordView = z.infer<typeof RecordSchema>;
const PageSchema = z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable() });

const RunViewSchema = z.looseObject({
  runId: z.string(),
  status: z.string(),
  proposalHash: z.string().nullable(),
});

let srv: TestServer;
let url: string;
/** Tokens: the requesting PM, the same person also holding supervisor, supervisors, an auditor. */
const tok = { pm: "", pmSup: "", sam: "", sky: "", s1: "", s2: "", auditor: "" };

beforeAll(async () => {
  // The deployment's shape: briefings run in two worker threads over the same SQLite stores, while
  // reads, approvals and releases run in the server's thread.
  srv = await startTestServer({ STEWARD_BRIEFING_WORKERS: "2" });
  url = srv.url;
  tok.pm = await tokenFor("pat", "pm");
  tok.pmSup = await tokenFor("pat", ["pm", "supervisor"]);
  tok.sam = await tokenFor("sam", "supervisor");
  tok.sky = await tokenFor("sky", "supervisor");
  tok.s1 = await tokenFor("sol", "supervisor");
  tok.s2 = await tokenFor("sid", "supervisor");
  tok.auditor = await tokenFor("ann", "auditor");
});
afterAll(async () => {
  await srv.close();
});

/** Every audit record matching the query, following nextCursor to the end. */
async function auditAll(query: Record<string, string>): Promise<AuditRecordView[]> {
  const out: AuditRecordView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const params = new URLSearchParams({ ...query, limit: "500" });
    if (cursor !== null) params.set("cursor", cursor);
    const res = await call(url, "GET", `/api/audit?${params.toString()}`, { token: tok.auditor });
    expect(res.status).toBe(200);
    const body = PageSchema.parse(res.body);
    out.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return out;
  }
  throw new Error("the audit trail did not end within 1000 pages");
}

async function auditSize(): Promise<number> {
  const res = await call(url, "GET", "/api/audit/verify", { token: tok.auditor });
  expect(res.status).toBe(200);
  return z.looseObject({ size: z.number().int() }).parse(res.body).size;
}

async function runStatus(runId: string): Promise<string> {
  const res = await call(url, "GET", `/api/runs/${runId}`, { token: tok.auditor });
  expect(res.status).toBe(200);
  return BriefingSchema.parse(res.body).status;
}

/**
 * A briefing awaiting approval. Each released run needs its own portfolio: the same orders released
 * again within the hour are blocked as duplicates (DUPLICATE_ORDER).
 */
async function brief(portfolioId = "balanced"): Promise<Briefing> {
  const res = await call(url, "POST", "/api/ai-copilot/insights", {
    token: tok.pm,
    body: { portfolioId },
  });
  expect(res.status, res.text).toBe(201);
  const briefing = BriefingSchema.parse(res.body);
  expect(briefing.status).toBe("awaiting_approval");
  return briefing;
}

/** A copy of the example portfolio under another id (version 1). */
async function createCopy(id: string): Promise<void> {
  const res = await call(url, "POST", "/api/portfolios", {
    token: tok.pm,
    body: { ...BALANCED, id },
  });
  expect(res.status, res.text).toBe(201);
}

function requestOf(b: Briefing) {
  const request = b.approval.request;
  if (request === null) throw new Error(`run ${b.runId} has no approval request`);
  return request;
}

/** A decision body that acknowledges whatever soft warnings the request lists. */
function approveBody(b: Briefing, extra: Record<string, unknown> = {}) {
  const { softWarnings, proposalHash } = requestOf(b);
  return {
    proposalHash,
    ...(softWarnings.length > 0 ? { acknowledgements: softWarnings } : {}),
    ...extra,
  };
}

describe("the approval workflow over HTTP", () => {
  let briefing: Briefing;
  let runId = "";
  let proposalHash = "";

  it("a PM creates the portfolio from the example file as version 1", async () => {
    const res = await call(url, "POST", "/api/portfolios", { token: tok.pm, body: BALANCED });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get("location")).toBe("/api/portfolios/balanced");
    expect(res.headers.get("etag")).toBe('"1"');
    const v = VersionSchema.parse(res.body);
    expect(v).toMatchObject({ portfolioId: "balanced", version: 1, desk: "us-equity" });
    expect(v.createdBy).toBe("pat");
    expect(v.hash).toMatch(HEX64);
    expect(v.portfolio.cash).toBe(44998.37);

    const again = await call(url, "POST", "/api/portfolios", { token: tok.pm, body: BALANCED });
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe("EXISTS");
  });

  it("a briefing by portfolioId answers 201 awaiting_approval with a runId and the proposal hash", async () => {
    briefing = await brief();
    runId = briefing.runId;
    const request = requestOf(briefing);
    proposalHash = request.proposalHash;
    expect(proposalHash).toMatch(HEX64);
    expect(request).toMatchObject({ runId, portfolioId: "balanced", requestedBy: "pat" });
    expect(briefing.proposal.orders.length).toBeGreaterThan(0);

    const run = await call(url, "GET", "/api/runs?status=awaiting_approval", { token: tok.pm });
    expect(run.status).toBe(200);
    const items = z.object({ items: z.array(RunViewSchema) }).parse(run.body).items;
    expect(items.find((r) => r.runId === runId)?.proposalHash).toBe(proposalHash);
  });

  it("the run is in a supervisor's approval inbox (and a PM may not read the inbox)", async () => {
    const res = await call(url, "GET", "/api/approvals", { token: tok.sam });
    expect(res.status).toBe(200);
    const items = z
      .object({ items: z.array(z.looseObject({ runId: z.string(), proposalHash: z.string() })) })
      .parse(res.body).items;
    expect(items.filter((i) => i.runId === runId)).toHaveLength(1);
    expect(items.find((i) => i.runId === runId)?.proposalHash).toBe(proposalHash);

    const pm = await call(url, "GET", "/api/approvals", { token: tok.pm });
    expect(pm.status).toBe(403);
  });

  it("orders are not available before the release (409)", async () => {
    const res = await call(url, "GET", `/api/runs/${runId}/orders`, { token: tok.pm });
    expect(res.status).toBe(409);
  });

  it("the PM cannot approve (403 FORBIDDEN by role)", async () => {
    const res = await call(url, "POST", `/api/runs/${runId}/approve`, {
      token: tok.pm,
      body: approveBody(briefing),
    });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe("FORBIDDEN");
    expect(await runStatus(runId)).toBe("awaiting_approval");
  });

  it("the requester cannot self-approve even holding the supervisor role (SELF_APPROVAL, audited)", async () => {
    const res = await call(url, "POST", `/api/runs/${runId}/approve`, {
      token: tok.pmSup,
      body: approveBody(briefing),
    });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe("SELF_APPROVAL");
    expect(await runStatus(runId)).toBe("awaiting_approval");

    const denied = await auditAll({ runId, type: "approval.denied" });
    const self = denied.filter(
      (r) => r.event.actor.id === "pat" && r.event.outcome?.code === "SELF_APPROVAL",
    );
    expect(self).toHaveLength(1);
    expect(self[0]?.event.outcome?.status).toBe("denied");
    // The record names every role the caller held, not only the first.
    expect((self[0]?.event.actor as { role?: string } | undefined)?.role).toBe("pm,supervisor");
  });

  it("a supervisor approving a stale proposal hash gets 409 PROPOSAL_CHANGED", async () => {
    const stale = createHash("sha256")
      .update("a proposal shown before the data changed")
      .digest("hex");
    expect(stale).not.toBe(proposalHash);
    const res = await call(url, "POST", `/api/runs/${runId}/approve`, {
      token: tok.sam,
      body: approveBody(briefing, { proposalHash: stale }),
    });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe("PROPOSAL_CHANGED");
    expect(await runStatus(runId)).toBe("awaiting_approval");
  });

  it("a supervisor approving the reviewed proposal releases the run", async () => {
    const res = await call(url, "POST", `/api/runs/${runId}/approve`, {
      token: tok.sam,
      body: approveBody(briefing),
    });
    expect(res.status, res.text).toBe(200);
    expect(DecisionSchema.parse(res.body)).toEqual({
      runId,
      status: "released",
      outcome: "approved",
      required: 1,
      approvals: 1,
      replayed: false,
    });
    expect(await runStatus(runId)).toBe("released");
    const inbox = await call(url, "GET", "/api/approvals", { token: tok.sam });
    expect(JSON.stringify(inbox.body)).not.toContain(runId);
  });

  it("a replay of the same approval answers 200 replayed:true and writes nothing", async () => {
    const approvalsBefore = (await auditAll({ runId })).filter((r) =>
      r.event.type.startsWith("approval."),
    );
    const sizeBefore = await auditSize();
    const res = await call(url, "POST", `/api/runs/${runId}/approve`, {
      token: tok.sam,
      body: approveBody(briefing),
    });
    expect(res.status, res.text).toBe(200);
    const decision = DecisionSchema.parse(res.body);
    expect(decision.replayed).toBe(true);
    expect(decision.status).toBe("released");
    expect(decision.outcome).not.toBe("approved");
    expect(await auditSize()).toBe(sizeBefore);
    const approvalsAfter = (await auditAll({ runId })).filter((r) =>
      r.event.type.startsWith("approval."),
    );
    expect(approvalsAfter.map((r) => r.seq)).toEqual(approvalsBefore.map((r) => r.seq));
  });

  it("a second supervisor approving after the release gets 409 NOT_AWAITING_APPROVAL (no second release)", async () => {
    const releasedBefore = await auditAll({ runId, type: "order.released" });
    const res = await call(url, "POST", `/api/runs/${runId}/approve`, {
      token: tok.sky,
      body: approveBody(briefing),
    });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe("NOT_AWAITING_APPROVAL");
    const releasedAfter = await auditAll({ runId, type: "order.released" });
    expect(releasedAfter).toHaveLength(releasedBefore.length);
    expect(await auditAll({ runId, type: "run.released" })).toHaveLength(1);
  });

  it("the same orders asked for again within the hour are blocked as duplicates", async () => {
    const res = await call(url, "POST", "/api/ai-copilot/insights", {
      token: tok.pm,
      body: { portfolioId: "balanced" },
    });
    expect(res.status, res.text).toBe(201);
    const again = z
      .looseObject({
        status: z.string(),
        checks: z.array(z.looseObject({ code: z.string(), passed: z.boolean() })),
      })
      .parse(res.body);
    expect(again.status).toBe("blocked");
    expect(again.checks.some((c) => c.code === "DUPLICATE_ORDER" && !c.passed)).toBe(true);
  });

  it("the released orders come out as JSON and as CSV, consistent with the proposal", async () => {
    const res = await call(url, "GET", `/api/runs/${runId}/orders`, { token: tok.pm });
    expect(res.status, res.text).toBe(200);
    const doc = z
      .looseObject({
        runId: z.string(),
        portfolioId: z.string(),
        proposalHash: z.string(),
        releasedBy: z.array(z.string()),
        orders: z.array(OrderSchema),
      })
      .parse(res.body);
    expect(doc).toMatchObject({ runId, portfolioId: "balanced", proposalHash });
    expect(doc.releasedBy).toEqual(["sam"]);
    const proposed = briefing.proposal.orders.map((o) => [o.symbol, o.side, o.quantity]);
    expect(doc.orders.map((o) => [o.symbol, o.side, o.quantity])).toEqual(proposed);
    // Hand checks against the example file: a sale never exceeds the holding; notional = q × price.
    const holdings = new Map(
      z
        .array(z.object({ symbol: z.string(), quantity: z.number() }))
        .parse(BALANCED.holdings)
        .map((h) => [h.symbol, h.quantity]),
    );
    for (const o of doc.orders) {
      if (o.side === "SELL") expect(o.quantity).toBeLessThanOrEqual(holdings.get(o.symbol) ?? 0);
      expect(o.quantity).toBeGreaterThan(0);
      expect(o.notional).toBeCloseTo(o.quantity * o.price, 6);
    }

    const csv = await call(url, "GET", `/api/runs/${runId}/orders?format=csv`, {
      token: tok.auditor,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.text.endsWith("\r\n")).toBe(true);
    expect(csv.text).not.toContain('"');
    const lines = csv.text.slice(0, -2).split("\r\n");
    const header = (lines[0] ?? "").split(",");
    expect(header.slice(0, 6)).toEqual([
      "runId",
      "portfolioId",
      "idempotencyKey",
      "symbol",
      "side",
      "quantity",
    ]);
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows).toHaveLength(doc.orders.length);
    const col = (name: string) => header.indexOf(name);
    rows.forEach((row, i) => {
      const order = doc.orders[i];
      expect(row).toHaveLength(header.length);
      expect(row[col("runId")]).toBe(runId);
      expect(row[col("symbol")]).toBe(order?.symbol);
      expect(row[col("side")]).toBe(order?.side);
      expect(Number(row[col("quantity")])).toBe(order?.quantity);
      expect(row[col("idempotencyKey")]).toBe(order?.idempotencyKey);
      expect(row[col("releasedBy")]).toBe("sam");
    });

    const bad = await call(url, "GET", `/api/runs/${runId}/orders?format=xml`, { token: tok.pm });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).details?.field).toBe("format");
  });

  it("an auditor pages the run's trail 5 at a time to the end, in seq order, without duplicates", async () => {
    const seqs: number[] = [];
    const types: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params = new URLSearchParams({ runId, limit: "5" });
      if (cursor !== null) params.set("cursor", cursor);
      const res = await call(url, "GET", `/api/audit?${params.toString()}`, { token: tok.auditor });
      expect(res.status, res.text).toBe(200);
      const page = PageSchema.parse(res.body);
      expect(page.items.length).toBeLessThanOrEqual(5);
      for (const r of page.items) {
        seqs.push(r.seq);
        types.push(r.event.type);
        expect(r.event.subject?.runId).toBe(runId);
      }
      cursor = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (cursor !== null);

    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? Infinity);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(seqs.length / 5));
    // The same records as one big page.
    expect((await auditAll({ runId })).map((r) => r.seq)).toEqual(seqs);
    // What this run went through, by the rules: requested, two refusals, one grant, the release.
    expect(types[0]).toBe("run.started");
    expect(types.filter((t) => t === "approval.requested")).toHaveLength(1);
    expect(types.filter((t) => t === "approval.denied")).toHaveLength(2);
    expect(types.filter((t) => t === "approval.granted")).toHaveLength(1);
    expect(types.filter((t) => t === "order.released")).toHaveLength(
      briefing.proposal.orders.length,
    );
    expect(types.filter((t) => t === "run.released")).toHaveLength(1);
    expect(types.indexOf("approval.requested")).toBeLessThan(types.indexOf("approval.granted"));
    expect(types.indexOf("approval.granted")).toBeLessThan(types.indexOf("run.released"));
  });

  it("the trail verifies (ok: true)", async () => {
    const res = await call(url, "GET", "/api/audit/verify", { token: tok.auditor });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, firstBadSeq: null });
    expect(z.looseObject({ size: z.number() }).parse(res.body).size).toBeGreaterThan(20);
  });
});

describe("rejecting a proposal", () => {
  it("needs a reason (400 without, 200 rejected with); a later approval is refused (409)", async () => {
    await createCopy("balanced-reject");
    const b = await brief("balanced-reject");
    const path = `/api/runs/${b.runId}/reject`;
    const without = await call(url, "POST", path, { token: tok.sam, body: {} });
    expect(without.status).toBe(400);
    expect(errorOf(without).details?.field).toBe("reason");
    const blank = await call(url, "POST", path, { token: tok.sam, body: { reason: "   " } });
    expect(blank.status).toBe(400);
    expect(errorOf(blank).details?.field).toBe("reason");
    expect(await runStatus(b.runId)).toBe("awaiting_approval");

    const res = await call(url, "POST", path, {
      token: tok.sam,
      body: { reason: "turnover too high for this month" },
    });
    expect(res.status, res.text).toBe(200);
    expect(DecisionSchema.parse(res.body)).toMatchObject({
      runId: b.runId,
      status: "rejected",
      outcome: "rejected",
      replayed: false,
    });
    expect(await runStatus(b.runId)).toBe("rejected");
    const rejected = await auditAll({ runId: b.runId, type: "approval.rejected" });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.event.reason).toBe("turnover too high for this month");
    expect(rejected[0]?.event.actor.id).toBe("sam");

    const approve = await call(url, "POST", `/api/runs/${b.runId}/approve`, {
      token: tok.sky,
      body: approveBody(b),
    });
    expect(approve.status).toBe(409);
    expect(errorOf(approve).code).toBe("NOT_AWAITING_APPROVAL");
    expect(await auditAll({ runId: b.runId, type: "order.released" })).toHaveLength(0);
    const orders = await call(url, "GET", `/api/runs/${b.runId}/orders`, { token: tok.pm });
    expect(orders.status).toBe(409);
  });
});

describe("portfolio versions", () => {
  it('PUT makes version 2 with If-Match "1"; a stale If-Match is 409 VERSION_CONFLICT; both are audited', async () => {
    const v2 = { ...BALANCED, cash: 50000 };
    const put = await call(url, "PUT", "/api/portfolios/balanced", {
      token: tok.pm,
      body: v2,
      headers: { "if-match": '"1"' },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.headers.get("etag")).toBe('"2"');
    const saved = VersionSchema.parse(put.body);
    expect(saved).toMatchObject({ portfolioId: "balanced", version: 2, createdBy: "pat" });
    expect(saved.portfolio.cash).toBe(50000);

    const stale = await call(url, "PUT", "/api/portfolios/balanced", {
      token: tok.pm,
      body: { ...BALANCED, cash: 60000 },
      headers: { "if-match": '"1"' },
    });
    expect(stale.status).toBe(409);
    expect(errorOf(stale).code).toBe("VERSION_CONFLICT");

    const versions = await call(url, "GET", "/api/portfolios/balanced/versions", { token: tok.pm });
    expect(versions.status).toBe(200);
    const items = z.object({ items: z.array(VersionSchema) }).parse(versions.body).items;
    expect(items.map((v) => [v.version, v.portfolio.cash])).toEqual([
      [1, 44998.37],
      [2, 50000],
    ]);
    expect(items[0]?.hash).not.toBe(items[1]?.hash);

    const latest = await call(url, "GET", "/api/portfolios/balanced", { token: tok.pm });
    expect(VersionSchema.parse(latest.body).version).toBe(2);
    const first = await call(url, "GET", "/api/portfolios/balanced?version=1", { token: tok.pm });
    expect(VersionSchema.parse(first.body).portfolio.cash).toBe(44998.37);

    const created = await auditAll({ type: "portfolio.created", portfolioId: "balanced" });
    const updated = await auditAll({ type: "portfolio.updated", portfolioId: "balanced" });
    expect(created).toHaveLength(1);
    expect(updated).toHaveLength(1);
    expect(created[0]?.event.actor.id).toBe("pat");
    expect(updated[0]?.event.actor.id).toBe("pat");
  });
});

describe("a briefing streamed as server-sent events", () => {
  it("streams at least five progress events, then the briefing with its runId", async () => {
    const res = await fetch(`${url}/api/ai-copilot/insights`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tok.pm}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({ portfolioId: "balanced" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await res.text();
    answers.push({ where: "POST /api/ai-copilot/insights (SSE) → " + String(res.status), text });
    // Events are separated by a blank line; each has an `event:` and a `data:` line.
    const events = text
      .split(/\r?\n\r?\n/)
      .filter((block) => block.trim() !== "")
      .map((block) => {
        const lines = block.split(/\r?\n/);
        const field = (name: string) =>
          lines
            .filter((l) => l.startsWith(`${name}:`))
            .map((l) => l.slice(name.length + 1).trimStart())
            .join("\n");
        return { event: field("event"), data: field("data") };
      });
    const kinds = events.map((e) => e.event);
    const progress = events.filter((e) => e.event === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(kinds.filter((k) => k === "briefing")).toHaveLength(1);
    expect(kinds.at(-1)).toBe("briefing");
    expect(kinds.every((k) => k === "progress" || k === "briefing")).toBe(true);

    const final = BriefingSchema.parse(JSON.parse(events.at(-1)?.data ?? "null"));
    expect(final.runId).not.toBe("");
    const steps = progress.map((p) =>
      z.object({ runId: z.string(), node: z.string(), step: z.number() }).parse(JSON.parse(p.data)),
    );
    for (const s of steps) expect(s.runId).toBe(final.runId);
    for (let i = 1; i < steps.length; i++)
      expect(steps[i]?.step).toBeGreaterThan(steps[i - 1]?.step ?? Infinity);
    expect(await runStatus(final.runId)).toBe(final.status);
  });
});

describe("concurrent approvals", () => {
  async function race(portfolioId: string, tokens: readonly string[]) {
    await createCopy(portfolioId);
    const b = await brief(portfolioId);
    const answers = await Promise.all(
      tokens.map((token) =>
        call(url, "POST", `/api/runs/${b.runId}/approve`, { token, body: approveBody(b) }),
      ),
    );
    const approved = answers.filter(
      (a) => a.status === 200 && DecisionSchema.parse(a.body).outcome === "approved",
    );
    expect(approved).toHaveLength(1);
    for (const a of answers) {
      if (a === approved[0]) continue;
      // The others lost the race: refused as no longer awaiting, or answered without a change.
      if (a.status === 200) expect(DecisionSchema.parse(a.body).outcome).toBe("unchanged");
      else {
        expect(a.status).toBe(409);
        expect(errorOf(a).code).toBe("NOT_AWAITING_APPROVAL");
      }
    }
    expect(await runStatus(b.runId)).toBe("released");
    const trail = await auditAll({ runId: b.runId });
    expect(trail.filter((r) => r.event.type === "run.released")).toHaveLength(1);
    const released = trail.filter((r) => r.event.type === "order.released");
    expect(released).toHaveLength(b.proposal.orders.length);
    const keys = released.map(
      (r) =>
        z.object({ order: z.looseObject({ idempotencyKey: z.string() }) }).parse(r.event.payload)
          .order.idempotencyKey,
    );
    expect(new Set(keys)).toEqual(new Set(b.proposal.orders.map((o) => o.idempotencyKey)));
    const orders = await call(url, "GET", `/api/runs/${b.runId}/orders`, { token: tok.auditor });
    expect(orders.status).toBe(200);
  }

  it("two supervisors approving at once: exactly one approval releases, exactly once", async () => {
    await race("balanced-race-two", [tok.s1, tok.s2]);
  });

  it("four supervisors approving at once: still one release", async () => {
    await race("balanced-race-four", [tok.s1, tok.s2, tok.sam, tok.sky]);
  });
});

/**
 * In one process over SQLite the two approvals rarely overlap (the store answers synchronously);
 * two instances over one PostgreSQL database make them overlap for real, so the run's
 * compare-and-set is what keeps the release single.
 */
describe.runIf(pgAvailable)("concurrent approvals through two instances sharing PostgreSQL", () => {
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let a: TestServer;
  let b: TestServer;
  let checkpointDir = "";

  beforeAll(async () => {
    schema = await createTestSchema("http_workflow");
    checkpointDir = mkdtempSync(path.join(os.tmpdir(), "steward-http-checkpoints-"));
    const env = {
      DATABASE_URL: schema.url,
      STEWARD_CHECKPOINT_DIR: checkpointDir,
      STEWARD_AUDIT_SIGNING_KEY: generateKeyPairSync("ed25519")
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString(),
    };
    a = await startTestServer({ ...env, STEWARD_BRIEFING_WORKERS: "1" });
    b = await startTestServer({ ...env, STEWARD_BRIEFING_WORKERS: "1" });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await schema.drop();
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  for (const round of [1, 2]) {
    it(`round ${round}: one supervisor per instance, at once — one approval, one release`, async () => {
      const id = `race-${round}`;
      const created = await call(a.url, "POST", "/api/portfolios", {
        token: tok.pm,
        body: { ...BALANCED, id },
      });
      expect(created.status, created.text).toBe(201);
      const res = await call(a.url, "POST", "/api/ai-copilot/insights", {
        token: tok.pm,
        body: { portfolioId: id },
      });
      expect(res.status, res.text).toBe(201);
      const brf = BriefingSchema.parse(res.body);
      expect(brf.status).toBe("awaiting_approval");
      const answers = await Promise.all([
        call(a.url, "POST", `/api/runs/${brf.runId}/approve`, {
          token: tok.s1,
          body: approveBody(brf),
        }),
        call(b.url, "POST", `/api/runs/${brf.runId}/approve`, {
          token: tok.s2,
          body: approveBody(brf),
        }),
      ]);
      const outcomes = answers.map((r) =>
        r.status === 200 ? DecisionSchema.parse(r.body).outcome : errorOf(r).code,
      );
      expect(
        outcomes.filter((o) => o === "approved"),
        outcomes.join(","),
      ).toHaveLength(1);
      for (const o of outcomes)
        expect(["approved", "unchanged", "NOT_AWAITING_APPROVAL"]).toContain(o);

      const trail = await call(b.url, "GET", `/api/audit?runId=${brf.runId}&limit=500`, {
        token: tok.auditor,
      });
      const types = PageSchema.parse(trail.body).items.map((r) => r.event.type);
      expect(types.filter((t) => t === "run.released")).toHaveLength(1);
      expect(types.filter((t) => t === "order.released")).toHaveLength(brf.proposal.orders.length);
      const run = await call(b.url, "GET", `/api/runs/${brf.runId}`, { token: tok.auditor });
      expect(BriefingSchema.parse(run.body).status).toBe("released");
      for (const s of [a, b]) {
        const verify = await call(s.url, "GET", "/api/audit/verify", { token: tok.auditor });
        expect(verify.body).toMatchObject({ ok: true });
      }
    });
  }
});

describe("briefings in worker threads", () => {
  it("four at once (the per-user limit) on two workers: all answered, distinct runs, each read back by the server's thread", async () => {
    const ids = ["w-1", "w-2", "w-3", "w-4"];
    const answers = await Promise.all(
      ids.map((id) =>
        call(url, "POST", "/api/ai-copilot/insights", {
          token: tok.pm,
          body: { portfolio: { ...BALANCED, id } },
        }),
      ),
    );
    const runIds = new Set<string>();
    for (const res of answers) {
      expect(res.status, res.text).toBe(201);
      const brf = BriefingSchema.parse(res.body);
      expect(brf.status).toBe("awaiting_approval");
      runIds.add(brf.runId);
      const read = await call(url, "GET", `/api/runs/${brf.runId}`, { token: tok.pm });
      expect(read.status, read.text).toBe(200);
      // The stored run is the briefing answered (same proposal, same checks).
      expect(read.body).toEqual(res.body);
    }
    expect(runIds.size).toBe(ids.length);
    // Four writers on one SQLite audit file (two workers, the server's thread, the checkpoints):
    // the chain is still one chain.
    const verify = await call(url, "GET", "/api/audit/verify", { token: tok.auditor });
    expect(verify.status).toBe(200);
    expect((verify.body as { ok: boolean }).ok).toBe(true);
  });

  it("a run started in a worker is approved and released by the server's thread", async () => {
    const res = await call(url, "POST", "/api/ai-copilot/insights", {
      token: tok.pm,
      body: { portfolio: { ...BALANCED, id: "w-approve" } },
    });
    expect(res.status, res.text).toBe(201);
    const brf = BriefingSchema.parse(res.body);
    const approved = await call(url, "POST", `/api/runs/${brf.runId}/approve`, {
      token: tok.sam,
      body: approveBody(brf),
    });
    expect(approved.status, approved.text).toBe(200);
    expect((approved.body as { status: string }).status).toBe("released");
  });
});

describe("after the workflow", () => {
  it("the whole trail still verifies", async () => {
    const res = await call(url, "GET", "/api/audit/verify?deep=true", { token: tok.auditor });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, firstBadSeq: null, reason: null });
  });
});

describe("no leaks", () => {
  it("no answer of this suite carries a stack frame or a file path", () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) {
      expect(a.text, a.where).not.toMatch(STACK_FRAME);
      expect(a.text, a.where).not.toMatch(FILE_PATH);
    }
  });
});
