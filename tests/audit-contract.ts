import { spawnSync } from "node:child_process";
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  verify as cryptoVerify,
} from "node:crypto";
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import canonicalize from "canonicalize";
import { afterEach, describe, expect, it } from "vitest";
import {
  AUDIT_PAGE_DEFAULT,
  AUDIT_PAGE_MAX,
  AuditError,
  createAuditLog,
  createSigner,
  exportAudit,
  readCheckpointFiles,
  verifyExport,
  type AuditBackend,
  type AuditEventInput,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
  type Checkpoint,
  type Signer,
} from "../audit/index.js";

/**
 * The one contract every audit backend passes (memory, SQLite, PostgreSQL): the generic audit log
 * over the backend must append gaplessly and atomically, replay idempotently, refuse conflicting
 * replays, page queries exactly once, write signed checkpoints to both places, verify, and export
 * for the offline verifier. Expected values come from the hand-written events put in and from
 * independent re-computations in this file (the `canonicalize` package as the RFC 8785 reference,
 * a naive SHA-256 chain and a naive recursive Merkle tree) — never from the store's own output.
 */

export interface BackendUnderTest {
  readonly backend: AuditBackend;
  readonly cleanup: () => Promise<void>;
}

const START = Date.UTC(2024, 2, 1, 9, 0, 0);

/** A clock that starts at 2024-03-01T09:00:00.000Z and moves 1 ms per reading. */
function tickingClock(): () => Date {
  let now = START;
  return () => new Date(now++);
}

const TYPES = [
  "run.started",
  "proposal.created",
  "check.failed",
  "approval.granted",
  "order.released",
] as const;

/** Event i (1-based): ids, types, actors, runs, portfolios and times vary with i in known cycles. */
function event(i: number): AuditEventInput {
  return {
    eventId: `evt-${String(i).padStart(4, "0")}`,
    type: TYPES[i % TYPES.length] as string,
    occurredAt: new Date(Date.UTC(2024, 1, 1) + i * 60_000).toISOString(),
    actor:
      i % 3 === 0
        ? { kind: "human", id: `user-${i % 4}`, role: "supervisor" }
        : { kind: "agent", id: `agent-${i % 4}` },
    subject: { portfolioId: `pf-${i % 3}`, runId: `run-${i % 5}`, proposalVersion: 1 + (i % 2) },
    outcome: { status: i % 7 === 0 ? "failure" : "success" },
    correlationId: `run-${i % 5}`,
    payload: { i, weights: { AAPL: 0.25, MSFT: 0.75 }, note: i % 2 === 0 ? "even" : "odd" },
  };
}

const events = (from: number, to: number): AuditEventInput[] =>
  Array.from({ length: to - from + 1 }, (_, k) => event(from + k));

/** The same event with every object's keys in reverse order (same content, different input bytes). */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  ) as T;
}

function reference(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("not canonicalisable");
  return text;
}

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Leaf and chain hashes recomputed naively from the canonical texts. */
function naiveHashes(canonicals: readonly string[]): { leaves: Buffer[]; chains: string[] } {
  let chain: Buffer = Buffer.alloc(32);
  const leaves: Buffer[] = [];
  const chains: string[] = [];
  for (const text of canonicals) {
    const leaf = sha256(Buffer.from([0]), Buffer.from(text, "utf8"));
    chain = sha256(Buffer.from([1]), chain, leaf);
    leaves.push(leaf);
    chains.push(chain.toString("hex"));
  }
  return { leaves, chains };
}

/** RFC 9162 §2.1.1 by its recursive definition. */
function naiveMth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), naiveMth(leaves.slice(0, k)), naiveMth(leaves.slice(k)));
}

function signedBody(cp: Checkpoint): string {
  const { size, chainHead, merkleRoot, time, previous, reason, keyId } = cp;
  return reference({ size, chainHead, merkleRoot, time, previous, reason, keyId });
}

async function rejection(promise: Promise<unknown>): Promise<AuditError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuditError);
    return error as AuditError;
  }
  throw new Error("expected the call to fail");
}

/** Every record reached by walking the cursor with the given page size. */
async function walk(store: AuditStore, query: AuditQuery, limit: number): Promise<number[]> {
  const seqs: number[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.query({
      ...query,
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seqs.push(...page.items.map((r) => r.seq));
    if (page.nextCursor === null) return seqs;
    expect(page.items.length).toBe(limit);
    cursor = page.nextCursor;
  }
  throw new Error("cursor never ended");
}

const SIGNER_PEM = generateKeyPairSync("ed25519")
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

export function describeAuditContract(
  name: string,
  makeBackend: () => Promise<BackendUnderTest>,
): void {
  describe(`audit store contract: ${name}`, () => {
    const signer: Signer = createSigner(SIGNER_PEM);
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });

    async function tempDir(): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), "steward-audit-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    }

    async function open(
      options: { checkpointEvery?: number; checkpointDir?: string } = {},
    ): Promise<{ store: AuditStore; checkpointDir: string; backend: AuditBackend }> {
      const { backend, cleanup } = await makeBackend();
      cleanups.push(cleanup);
      await backend.init();
      const checkpointDir = options.checkpointDir ?? path.join(await tempDir(), "checkpoints");
      const store = createAuditLog(backend, {
        signer,
        checkpointDir,
        clock: tickingClock(),
        checkpointEvery: options.checkpointEvery ?? 1000,
      });
      cleanups.push(() => store.close());
      return { store, checkpointDir, backend };
    }

    it("assigns gapless seqs from 1 in input order and stores hashes that recompute", async () => {
      const { store } = await open();
      const single = await store.append(event(1));
      expect(single).toEqual({ seq: 1, eventId: "evt-0001", created: true });
      const batch = await store.append(events(2, 7));
      expect(batch.map((r) => r.seq)).toEqual([2, 3, 4, 5, 6, 7]);
      expect(batch.every((r) => r.created)).toBe(true);
      const records = await store.readAll();
      expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const { chains, leaves } = naiveHashes(records.map((r) => r.canonical));
      records.forEach((r, k) => {
        expect(r.event).toEqual(event(k + 1));
        expect(r.canonical).toBe(
          reference({ seq: r.seq, recordedAt: r.recordedAt, event: event(k + 1) }),
        );
        expect(r.leafHash).toBe(leaves[k]?.toString("hex"));
        expect(r.chainHash).toBe(chains[k]);
      });
      // One clock reading per append call: the batch shares its recordedAt.
      expect(records.map((r) => r.recordedAt)).toEqual([
        "2024-03-01T09:00:00.000Z",
        ...Array(6).fill("2024-03-01T09:00:00.001Z"),
      ]);
      expect(await store.head()).toEqual({ size: 7, chainHash: chains[6] });
    });

    it("stores the RFC 8785 bytes verbatim, whatever the key order of the input", async () => {
      const { store } = await open();
      const scrambled = {
        type: "proposal.created",
        payload: { z: [1e21, -0, 4.5, "€\n"], a: { "10": true, "9": null }, "\u00f6": 0.000001 },
        occurredAt: "2024-02-01T10:00:00.000Z",
        actor: { role: "agent", id: "optimizer", kind: "agent" },
        eventId: "verbatim-1",
      } as AuditEventInput;
      await store.append(scrambled);
      const [record] = await store.readAll();
      // Written by hand from RFC 8785: keys sorted by UTF-16 code units ("10" < "9", "a" < "z" < "ö"),
      // 1e21 → 1e+21, -0 → 0, 4.5 stays, "\n" escaped, 0.000001 stays.
      const expected =
        '{"event":{"actor":{"id":"optimizer","kind":"agent","role":"agent"},"eventId":"verbatim-1",' +
        '"occurredAt":"2024-02-01T10:00:00.000Z","payload":{"a":{"10":true,"9":null},"z":[1e+21,0,4.5,"€\\n"],' +
        '"\u00f6":0.000001},"type":"proposal.created"},"recordedAt":"2024-03-01T09:00:00.000Z","seq":1}';
      expect(record?.canonical).toBe(expected);
      const replay = await store.append(reversedKeys(scrambled));
      expect(replay).toEqual({ seq: 1, eventId: "verbatim-1", created: false });
      expect((await store.head()).size).toBe(1);
    });

    it("replays idempotently: the same ids and content write nothing", async () => {
      const { store } = await open();
      await store.append(events(1, 5));
      const head = await store.head();
      const before = await store.readAll();
      const replay = await store.append(events(1, 5).map(reversedKeys));
      expect(replay).toEqual(
        events(1, 5).map((e, k) => ({ seq: k + 1, eventId: e.eventId, created: false })),
      );
      expect(await store.append(event(3))).toEqual({ seq: 3, eventId: "evt-0003", created: false });
      const mixed = await store.append([event(1), event(6), event(2)]);
      expect(mixed).toEqual([
        { seq: 1, eventId: "evt-0001", created: false },
        { seq: 6, eventId: "evt-0006", created: true },
        { seq: 2, eventId: "evt-0002", created: false },
      ]);
      const after = await store.readAll();
      expect(after.slice(0, 5)).toEqual(before);
      expect(after.length).toBe(6);
      expect(head.size).toBe(5);
    });

    it("refuses a replay with different content and writes nothing of its batch", async () => {
      const { store } = await open();
      await store.append(events(1, 3));
      const head = await store.head();
      const changed = { ...event(2), reason: "edited" };
      const single = await rejection(store.append(changed));
      expect(single.code).toBe("EVENT_ID_CONFLICT");
      expect(single.message).toContain('"evt-0002"');
      const inBatch = await rejection(store.append([event(4), changed, event(5)]));
      expect(inBatch.code).toBe("EVENT_ID_CONFLICT");
      expect(inBatch.field).toBe("events[1]");
      expect(await store.head()).toEqual(head);
      expect(await store.get("evt-0004")).toBeNull();
    });

    it("treats a repeated id inside one batch like a replay", async () => {
      const { store } = await open();
      const same = await store.append([event(1), event(2), reversedKeys(event(1))]);
      expect(same).toEqual([
        { seq: 1, eventId: "evt-0001", created: true },
        { seq: 2, eventId: "evt-0002", created: true },
        { seq: 1, eventId: "evt-0001", created: false },
      ]);
      expect((await store.head()).size).toBe(2);
      const error = await rejection(store.append([event(3), { ...event(3), reason: "other" }]));
      expect(error.code).toBe("EVENT_ID_CONFLICT");
      expect((await store.head()).size).toBe(2);
    });

    it("writes nothing of a batch with one invalid event, and names the field", async () => {
      const { store } = await open();
      await store.append(event(1));
      const bad = (patch: Record<string, unknown>): AuditEventInput =>
        ({ ...event(3), ...patch }) as AuditEventInput;
      const cases: [AuditEventInput, string][] = [
        [bad({ actor: { kind: "robot", id: "x" } }), "events[1].actor.kind"],
        [bad({ status: "approved" }), "events[1].status"],
        [
          bad({ actor: { kind: "human", id: "u", approvedBy: "me" } }),
          "events[1].actor.approvedBy",
        ],
        [bad({ type: "Proposal.Created" }), "events[1].type"],
        [bad({ type: "proposal" }), "events[1].type"],
        [bad({ eventId: "" }), "events[1].eventId"],
        [bad({ eventId: "x".repeat(201) }), "events[1].eventId"],
        [bad({ occurredAt: "2024-02-01T10:00:00Z" }), "events[1].occurredAt"],
        [bad({ occurredAt: "2024-02-30T10:00:00.000Z" }), "events[1].occurredAt"],
        [bad({ payload: { x: Number.NaN } }), "events[1].payload.x"],
        [bad({ payload: { when: new Date(0) } }), "events[1].payload.when"],
      ];
      for (const [invalid, field] of cases) {
        const error = await rejection(store.append([event(2), invalid, event(4)]));
        expect(error.code, field).toBe("INVALID_EVENT");
        expect(error.field).toBe(field);
      }
      expect(await store.append(bad({ eventId: "x".repeat(200) }))).toMatchObject({
        seq: 2,
        created: true,
      });
      expect((await store.head()).size).toBe(2);
    });

    it("pages every query by run, portfolio, actor, type and time exactly once", async () => {
      const { store } = await open();
      const all = events(1, 37);
      await store.append(all.slice(0, 20));
      for (const e of all.slice(20)) await store.append(e);
      const queries: AuditQuery[] = [
        {},
        { runId: "run-2" },
        { portfolioId: "pf-0" },
        { actorId: "user-3" },
        { type: "check.failed" },
        { from: "2024-02-01T00:10:00.000Z", to: "2024-02-01T00:20:00.000Z" },
        { from: "2024-02-01T00:30:00Z" },
        { to: "2024-02-01" },
        { runId: "run-1", type: "proposal.created", portfolioId: "pf-0" },
        { runId: "no-such-run" },
      ];
      for (const query of queries) {
        const expected = all
          .map((e, k) => ({ e, seq: k + 1 }))
          .filter(({ e }) => {
            const t = Date.parse(e.occurredAt);
            return (
              (query.runId === undefined || e.subject?.runId === query.runId) &&
              (query.portfolioId === undefined || e.subject?.portfolioId === query.portfolioId) &&
              (query.actorId === undefined || e.actor.id === query.actorId) &&
              (query.type === undefined || e.type === query.type) &&
              (query.from === undefined || t >= Date.parse(query.from)) &&
              (query.to === undefined || t <= Date.parse(query.to))
            );
          })
          .map(({ seq }) => seq);
        for (const limit of [1, 4, 100])
          expect(await walk(store, query, limit), JSON.stringify({ query, limit })).toEqual(
            expected,
          );
      }
      const page = await store.query({ runId: "run-2", limit: 2 });
      const direct = await store.readAll();
      for (const item of page.items) expect(item).toEqual(direct[item.seq - 1]);
    });

    it("caps the page size and refuses malformed limits, cursors and queries", async () => {
      const { store } = await open();
      for (let from = 1; from <= 600; from += 100) await store.append(events(from, from + 99));
      expect((await store.query({ limit: 10_000 })).items.length).toBe(AUDIT_PAGE_MAX);
      expect((await store.query()).items.length).toBe(AUDIT_PAGE_DEFAULT);
      const firstPage = await store.query({ limit: AUDIT_PAGE_MAX });
      const secondPage = await store.query({
        limit: AUDIT_PAGE_MAX,
        cursor: firstPage.nextCursor ?? "",
      });
      expect(secondPage.items.map((r) => r.seq)).toEqual(
        Array.from({ length: 100 }, (_, k) => 501 + k),
      );
      expect(secondPage.nextCursor).toBeNull();
      for (const limit of [0, -1, 1.5, Number.NaN, "10"]) {
        const error = await rejection(store.query({ limit } as unknown as AuditQuery));
        expect(error.code).toBe("INVALID_QUERY");
        expect(error.field).toBe("limit");
      }
      for (const cursor of [
        "",
        "not-a-cursor",
        Buffer.from("a-1").toString("base64url"),
        `${firstPage.nextCursor ?? ""}=`,
      ]) {
        expect((await rejection(store.query({ cursor }))).field).toBe("cursor");
      }
      expect((await rejection(store.query({ status: "x" } as unknown as AuditQuery))).code).toBe(
        "INVALID_QUERY",
      );
      expect((await rejection(store.query({ from: "yesterday" }))).field).toBe("from");
      expect((await rejection(store.query({ from: "2024-03-02", to: "2024-03-01" }))).field).toBe(
        "from",
      );
    });

    it("finds a record by eventId, and nothing for an unknown id", async () => {
      const { store } = await open();
      await store.append(events(1, 3));
      const record = await store.get("evt-0002");
      expect(record?.seq).toBe(2);
      expect(record?.event).toEqual(event(2));
      expect(await store.get("evt-9999")).toBeNull();
      expect((await rejection(store.get(""))).code).toBe("INVALID_QUERY");
    });

    it("streams any range of records as stored", async () => {
      const { store } = await open();
      await store.append(events(1, 12));
      const all = await store.readAll();
      const part: AuditRecord[] = [];
      for await (const r of store.records(4, 9)) part.push(r);
      expect(part).toEqual(all.slice(3, 9));
    });

    it("writes signed checkpoints every N events and on demand, in the store and as files", async () => {
      const { store, checkpointDir } = await open({ checkpointEvery: 5 });
      for (const e of events(1, 12)) await store.append(e);
      await store.append(events(13, 19)); // crosses 15 inside one batch: one checkpoint at 19
      await store.append(events(1, 19)); // a pure replay writes nothing and crosses nothing
      await store.writeCheckpoint("on-demand");
      await store.append(event(20)); // 19 → 20 crosses 20
      await store.writeCheckpoint("run-at-rest:awaiting_approval");
      const stored = await store.checkpoints();
      expect(stored.map((cp) => [cp.size, cp.reason])).toEqual([
        [5, "interval"],
        [10, "interval"],
        [19, "interval"],
        [19, "on-demand"],
        [20, "interval"],
        [20, "run-at-rest:awaiting_approval"],
      ]);
      const files = await readCheckpointFiles(checkpointDir);
      expect(files).toEqual(stored);
      const records = await store.readAll();
      const { leaves, chains } = naiveHashes(records.map((r) => r.canonical));
      const publicKey = createPublicKey(signer.publicKeyPem);
      const rawKey = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
      stored.forEach((cp, k) => {
        expect(cp.keyId).toBe(sha256(rawKey).toString("hex"));
        expect(
          cryptoVerify(
            null,
            Buffer.from(signedBody(cp)),
            publicKey,
            Buffer.from(cp.signature, "base64"),
          ),
        ).toBe(true);
        expect(cp.chainHead).toBe(chains[cp.size - 1]);
        expect(cp.merkleRoot).toBe(naiveMth(leaves.slice(0, cp.size)).toString("hex"));
        const prior = stored[k - 1];
        expect(cp.previous).toBe(
          prior === undefined ? null : sha256(Buffer.from(signedBody(prior))).toString("hex"),
        );
      });
      expect((await rejection(store.writeCheckpoint("Not A Reason"))).field).toBe("reason");
    });

    it("reads back only the checkpoints above a size and the latest ones", async () => {
      const { store, backend } = await open({ checkpointEvery: 5 });
      await store.append(events(1, 12)); // interval at 12
      await store.writeCheckpoint("on-demand"); // 12
      await store.append(events(13, 16)); // interval at 16
      await store.writeCheckpoint("run-at-rest:awaiting_approval"); // 16
      await store.writeCheckpoint("run-at-rest:blocked"); // 16
      const all = await backend.checkpoints();
      expect(all.map((cp) => [cp.size, cp.reason])).toEqual([
        [12, "interval"],
        [12, "on-demand"],
        [16, "interval"],
        [16, "run-at-rest:awaiting_approval"],
        [16, "run-at-rest:blocked"],
      ]);
      // By definition: size > afterSize, or the largest size; in the same order as checkpoints().
      for (const afterSize of [0, 11, 12, 15, 16, 40]) {
        expect(await backend.recentCheckpoints(afterSize)).toEqual(
          all.filter((cp) => cp.size > afterSize || cp.size === 16),
        );
      }
    });

    it("verifies an intact store, standard and deep", async () => {
      const { store } = await open({ checkpointEvery: 4 });
      expect(await store.verify()).toEqual({
        ok: true,
        size: 0,
        firstBadSeq: null,
        reason: null,
        latestCheckpoint: null,
        checkpointsVerified: 0,
      });
      await store.append(events(1, 10));
      await store.append(event(11));
      const last = await store.writeCheckpoint("on-demand");
      for (const deep of [false, true]) {
        expect(await store.verify({ deep })).toEqual({
          ok: true,
          size: 11,
          firstBadSeq: null,
          reason: null,
          latestCheckpoint: last,
          checkpointsVerified: 2,
        });
      }
    });

    it("flags a checkpoint missing from the files, and a store that lost its tail", async () => {
      const first = await open();
      await first.store.append(events(1, 8));
      const cp = await first.store.writeCheckpoint("on-demand");
      expect(await readCheckpointFiles(first.checkpointDir)).toEqual([cp]);
      for (const name of await readdir(first.checkpointDir))
        await unlink(path.join(first.checkpointDir, name));
      const noCopy = await first.store.verify();
      expect(noCopy.ok).toBe(false);
      expect(noCopy.firstBadSeq).toBeNull();
      expect(noCopy.reason).toContain("has no file copy");

      // A second store over a fresh backend, same checkpoint directory: it holds the same first five
      // records (same clock, same events), but the signed checkpoint outside it covers eight.
      const second = await open({ checkpointDir: first.checkpointDir });
      await writeFile(
        path.join(first.checkpointDir, "checkpoint-restored.json"),
        JSON.stringify(cp),
      );
      await second.store.append(events(1, 5));
      const truncated = await second.store.verify();
      expect(truncated.ok).toBe(false);
      expect(truncated.size).toBe(5);
      expect(truncated.firstBadSeq).toBe(6);
      expect(truncated.reason).toMatch(/truncated/);
      expect(truncated.reason).toMatch(/missing from the store/);
    });

    it("exports events, checkpoints and key for the offline verifier, which agrees with verifyExport", async () => {
      const { store } = await open({ checkpointEvery: 3 });
      await store.append(events(1, 7));
      await store.append(event(8));
      await store.writeCheckpoint("export");
      const dir = path.join(await tempDir(), "export");
      const summary = await exportAudit(store, dir);
      expect(summary.records).toBe(8);
      const lines = (await readFile(path.join(dir, "events.ndjson"), "utf8")).trimEnd().split("\n");
      expect(lines.map((line) => JSON.parse(line) as AuditRecord)).toEqual(await store.readAll());
      expect(JSON.parse(await readFile(path.join(dir, "checkpoints.json"), "utf8"))).toEqual(
        await store.checkpoints(),
      );

      const offline = (target: string): { status: number | null; report: unknown } => {
        const run = spawnSync(
          process.execPath,
          [path.join(target, "offline-verifier.mjs"), target],
          { encoding: "utf8" },
        );
        return { status: run.status, report: JSON.parse(run.stdout) as unknown };
      };
      const intact = offline(dir);
      expect(intact.status).toBe(0);
      expect(intact.report).toEqual(await verifyExport(dir));
      expect(intact.report).toMatchObject({
        ok: true,
        size: 8,
        firstBadSeq: null,
        checkpointsVerified: 2,
      });

      // An auditor's copy with one altered payload: both verifiers name seq 3.
      const tampered = lines.map((line, k) =>
        k === 2 ? line.replace('\\"note\\":\\"odd\\"', '\\"note\\":\\"EVEN\\"') : line,
      );
      expect(tampered[2]).not.toBe(lines[2]);
      await writeFile(path.join(dir, "events.ndjson"), `${tampered.join("\n")}\n`);
      const altered = offline(dir);
      expect(altered.status).toBe(1);
      expect(altered.report).toEqual(await verifyExport(dir));
      expect(altered.report).toMatchObject({ ok: false, firstBadSeq: 3 });
    });

    it("keeps one gapless chain under concurrent appends", async () => {
      const { store } = await open({ checkpointEvery: 7 });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, w) => store.append(events(w * 5 + 1, w * 5 + 5))),
      );
      const seqs = results.flatMap((batch) => batch.map((r) => r.seq)).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
      const report = await store.verify();
      expect(report).toMatchObject({ ok: true, size: 50, firstBadSeq: null });
      expect(report.checkpointsVerified).toBeGreaterThanOrEqual(1);
    });
  });
}
