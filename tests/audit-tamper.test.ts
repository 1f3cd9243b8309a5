import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkpointBody, checkpointHash, checkpointText } from "../audit/checkpoint.js";
import { writeCheckpointFile } from "../audit/checkpoint-files.js";
import { createSigner } from "../audit/signing.js";
import type { Checkpoint, VerifyReport } from "../audit/types.js";
import {
  type Attacker,
  type AuditFixture,
  appendSamples,
  chainHex,
  type Dialect,
  leafHex,
  newKeyPem,
  openFixture,
  type RawRow,
  recomputeHashes,
  sampleEvent,
} from "./audit-db-helpers.js";
import { pgAvailable } from "./pg.js";

/**
 * The tamper suite, on SQLite and PostgreSQL. Each attacker first removes the append-only
 * triggers (on PostgreSQL through the superuser connection, since the store's own sessions run
 * as the SELECT/INSERT-only writer role), then alters the stored rows — and, where the attack
 * needs it, the checkpoint copies — and a freshly opened store must report the damage.
 *
 * The trail: 12 events, the 6th the victim. Two checkpoint regimes:
 * - dense, a checkpoint after every event (as when every run comes to rest): every attack is
 *   located exactly;
 * - sparse, a checkpoint every 4 events: record-level damage is still exact, while a rewrite that
 *   recomputes every hash can only be placed after the newest checkpoint that still verifies
 *   (seq 5–8 here, reported as 5).
 * Expected values come from the attack itself (which seq was touched), never from a run of verify.
 */

const N = 12;
const VICTIM = 6;

type Regime = "dense" | "sparse";

interface Expectation {
  readonly ok?: false;
  /** Exact seq, null, or an inclusive range. */
  readonly firstBadSeq: number | null | readonly [number, number];
  readonly reason: RegExp;
}

interface Scenario {
  readonly name: string;
  readonly attack: (a: Attacker, f: AuditFixture) => Promise<void>;
  readonly expect: Readonly<Record<Regime, Expectation>>;
}

/** The victim's payload text changed in both the canonical bytes and the event column. */
async function editVictim(a: Attacker, seq = VICTIM): Promise<void> {
  const row = await a.row(seq);
  const from = `original note ${seq}`;
  const to = `altered! note ${seq}`;
  expect(row.canonical).toContain(from);
  await a.update(seq, {
    canonical: row.canonical.replace(from, to),
    event_canonical: row.event_canonical.replace(from, to),
  });
}

/** Moves rows seq ≥ from up by `by` (via a detour, so primary keys never collide). */
async function shiftSeqs(a: Attacker, from: number, by: number): Promise<void> {
  await a.exec("update audit_events set seq = seq + 1000000 where seq >= ?", [from]);
  await a.exec("update audit_events set seq = seq - 1000000 + ? where seq >= 1000000", [by]);
}

function checkpointFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith("checkpoint-") && n.endsWith(".json"))
    .map((n) => path.join(dir, n));
}

/** Removes the checkpoints above `size` from the store (the attacker covering a truncation). */
async function dropStoredCheckpointsAbove(a: Attacker, size: number): Promise<void> {
  await a.exec("delete from audit_checkpoints where size > ?", [size]);
}

/** Stores a checkpoint in the database table (columns and body) and as a file. */
async function plantCheckpoint(a: Attacker, f: AuditFixture, cp: Checkpoint): Promise<void> {
  const body = checkpointText(cp);
  await a.exec(
    "insert into audit_checkpoints (size, chain_head, merkle_root, time, previous, reason, key_id, signature, body) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [
      cp.size,
      cp.chainHead,
      cp.merkleRoot,
      cp.time,
      cp.previous,
      cp.reason,
      cp.keyId,
      cp.signature,
      body,
    ],
  );
  writeCheckpointFile(f.checkpointDir, cp);
}

/** Every event by alice rewritten as mallory's (bytes, event column, actor column), then every hash recomputed. */
async function rewriteAll(a: Attacker): Promise<void> {
  for (const row of await a.rows()) {
    if (row.actor_id !== "alice") continue;
    await a.update(row.seq, {
      actor_id: "mallory",
      canonical: row.canonical.replace('"id":"alice"', '"id":"mallory"'),
      event_canonical: row.event_canonical.replace('"id":"alice"', '"id":"mallory"'),
    });
  }
  await recomputeHashes(a, 1);
}

const scenarios: readonly Scenario[] = [
  {
    name: "an edited row (payload text changed, hashes left alone)",
    attack: (a) => editVictim(a),
    expect: {
      dense: { firstBadSeq: VICTIM, reason: /seq 6: the leaf hash does not match/ },
      sparse: { firstBadSeq: VICTIM, reason: /seq 6: the leaf hash does not match/ },
    },
  },
  {
    name: "an edited row with its leaf and chain hashes and every later row's recomputed",
    attack: async (a) => {
      await editVictim(a);
      await recomputeHashes(a, VICTIM);
    },
    expect: {
      dense: { firstBadSeq: VICTIM, reason: /do not match the checkpoint of size 6/ },
      sparse: { firstBadSeq: 5, reason: /seq 5–8 do not match the checkpoint of size 8/ },
    },
  },
  {
    name: "a deleted middle row",
    attack: (a) => a.exec("delete from audit_events where seq = ?", [VICTIM]),
    expect: {
      dense: { firstBadSeq: VICTIM, reason: /seq 6 is missing/ },
      sparse: { firstBadSeq: VICTIM, reason: /seq 6 is missing/ },
    },
  },
  {
    name: "two swapped rows (contents exchanged, seqs kept)",
    attack: async (a) => {
      const x = await a.row(VICTIM);
      const y = await a.row(VICTIM + 1);
      await a.exec("delete from audit_events where seq in (?, ?)", [VICTIM, VICTIM + 1]);
      await a.insert({ ...y, seq: VICTIM });
      await a.insert({ ...x, seq: VICTIM + 1 });
    },
    expect: {
      dense: {
        firstBadSeq: VICTIM,
        reason: /seq 6: the canonical bytes do not carry the record's seq/,
      },
      sparse: {
        firstBadSeq: VICTIM,
        reason: /seq 6: the canonical bytes do not carry the record's seq/,
      },
    },
  },
  {
    name: "an inserted forged row (later seqs shifted up by one)",
    attack: async (a) => {
      const before = await a.row(VICTIM - 1);
      await shiftSeqs(a, VICTIM, 1);
      const event = { ...sampleEvent(99, "forged"), payload: { note: "a trade nobody approved" } };
      const recordedAt = before.recorded_at;
      // The forger frames and hashes the row correctly (RFC 8785 key order is alphabetical here).
      const canonical = `{"event":${canonicalOf(event)},"recordedAt":"${recordedAt}","seq":${VICTIM}}`;
      const leaf = leafHex(canonical);
      const row: RawRow = {
        seq: VICTIM,
        event_id: event.eventId,
        type: event.type,
        occurred_at: event.occurredAt,
        recorded_at: recordedAt,
        actor_id: event.actor.id,
        run_id: event.subject?.runId ?? null,
        portfolio_id: event.subject?.portfolioId ?? null,
        canonical,
        event_canonical: canonicalOf(event),
        leaf_hash: leaf,
        chain_hash: chainHex(before.chain_hash, leaf),
      };
      await a.insert(row);
    },
    expect: {
      dense: { firstBadSeq: VICTIM, reason: /do not match the checkpoint of size 6/ },
      // Without a checkpoint at 6 the forged row itself verifies; the displaced row after it does not.
      sparse: { firstBadSeq: [VICTIM - 1, VICTIM + 1], reason: /seq 7/ },
    },
  },
  {
    name: "a truncated tail (the last 3 rows and their stored checkpoints deleted)",
    attack: async (a) => {
      await a.exec("delete from audit_events where seq > ?", [N - 3]);
      await dropStoredCheckpointsAbove(a, N - 3);
    },
    expect: {
      dense: { firstBadSeq: N - 2, reason: /covers 12 records but the store holds 9.*truncated/ },
      sparse: { firstBadSeq: N - 2, reason: /covers 12 records but the store holds 9.*truncated/ },
    },
  },
  {
    name: "a full rewrite with every hash recomputed and the database's checkpoints deleted (the files survive)",
    attack: async (a) => {
      await rewriteAll(a);
      await a.exec("delete from audit_checkpoints");
    },
    expect: {
      dense: { firstBadSeq: 1, reason: /^seq 1–1 do not match the checkpoint of size 1 / },
      sparse: {
        firstBadSeq: 1,
        reason: /seq 1–4 do not match the checkpoint of size 4 .*missing from the store/,
      },
    },
  },
  {
    name: "a full rewrite with every hash recomputed and every checkpoint copy replaced by one signed with the attacker's key",
    attack: async (a, f) => {
      await rewriteAll(a);
      await a.exec("delete from audit_checkpoints");
      for (const file of checkpointFiles(f.checkpointDir)) rmSync(file);
      const rows = await a.rows();
      const last = rows.at(-1) as RawRow;
      const attackerKey = createSigner(newKeyPem().privateKeyPem);
      const body = {
        size: last.seq,
        chainHead: last.chain_hash,
        merkleRoot: "ab".repeat(32),
        time: "2024-01-03T00:00:00.000Z",
        previous: null,
        reason: "on-demand",
        keyId: attackerKey.keyId,
      };
      await plantCheckpoint(a, f, { ...body, signature: attackerKey.sign(checkpointBody(body)) });
    },
    expect: {
      dense: {
        firstBadSeq: null,
        reason: /^the checkpoint of size 12 .* signed by an unknown key/,
      },
      sparse: {
        firstBadSeq: null,
        reason: /^the checkpoint of size 12 .* signed by an unknown key/,
      },
    },
  },
  {
    name: "a forged checkpoint: the latest one altered in both the database and its file",
    attack: async (a, f) => {
      const latest = (await a.checkpoints()).at(-1);
      if (latest === undefined) throw new Error("no checkpoint");
      const time = "2031-01-01T00:00:00.000Z";
      await a.exec(
        "update audit_checkpoints set time = ?, body = replace(body, ?, ?) where size = ? and time = ?",
        [time, latest.time, time, latest.size, latest.time],
      );
      for (const file of checkpointFiles(f.checkpointDir)) {
        const text = readFileSync(file, "utf8");
        if (text.includes(`"size":${latest.size}`) && text.includes(latest.time))
          writeFileSync(file, text.replace(latest.time, time));
      }
    },
    expect: {
      dense: {
        firstBadSeq: null,
        reason: /checkpoint of size 12 at 2031-01-01T00:00:00.000Z .* invalid signature/,
      },
      sparse: {
        firstBadSeq: null,
        reason: /checkpoint of size 12 at 2031-01-01T00:00:00.000Z .* invalid signature/,
      },
    },
  },
  {
    name: "a forged checkpoint: only the stored body of the latest one edited (columns and file untouched)",
    attack: async (a) => {
      const latest = (await a.checkpoints()).at(-1);
      if (latest === undefined) throw new Error("no checkpoint");
      const body = latest.body.replace('"reason":"interval"', '"reason":"on-demand"');
      expect(body).not.toBe(latest.body);
      await a.exec("update audit_checkpoints set body = ? where size = ? and time = ?", [
        body,
        latest.size,
        latest.time,
      ]);
    },
    expect: {
      dense: {
        firstBadSeq: null,
        reason: /checkpoint of size 12 .*\(on-demand\) has an invalid signature/,
      },
      sparse: {
        firstBadSeq: null,
        reason: /checkpoint of size 12 .*\(on-demand\) has an invalid signature/,
      },
    },
  },
  {
    name: "a forged checkpoint signed with another key over a truncated trail (both copies replaced)",
    attack: async (a, f) => {
      await a.exec("delete from audit_events where seq > ?", [N - 3]);
      await dropStoredCheckpointsAbove(a, N - 3);
      const kept = await a.checkpoints();
      for (const file of checkpointFiles(f.checkpointDir)) {
        const cp = JSON.parse(readFileSync(file, "utf8")) as Checkpoint;
        if (cp.size > N - 3) rmSync(file);
      }
      const prior = kept.at(-1);
      const head = await a.row(N - 3);
      const attackerKey = createSigner(newKeyPem().privateKeyPem);
      const body = {
        size: N - 3,
        chainHead: head.chain_hash,
        merkleRoot: "cd".repeat(32),
        time: "2024-01-03T00:00:00.000Z",
        previous:
          prior === undefined
            ? null
            : checkpointHash({
                size: Number(prior.size),
                chainHead: prior.chain_head,
                merkleRoot: prior.merkle_root,
                time: prior.time,
                previous: prior.previous,
                reason: prior.reason,
                keyId: prior.key_id,
              }),
        reason: "on-demand",
        keyId: attackerKey.keyId,
      };
      await plantCheckpoint(a, f, { ...body, signature: attackerKey.sign(checkpointBody(body)) });
    },
    expect: {
      dense: { firstBadSeq: null, reason: /checkpoint of size 9 .* signed by an unknown key/ },
      sparse: { firstBadSeq: null, reason: /checkpoint of size 9 .* signed by an unknown key/ },
    },
  },
  ...queryColumnScenarios(),
];

/**
 * One copied query column of the victim changed, its canonical bytes and hashes left alone: what
 * hides an event from per-run (or per-portfolio, -actor, -type, -time) queries or makes idempotent
 * replay compare against other text. Standard verification compares these columns with the hashed
 * bytes, so each is caught at the victim with the column named.
 */
function queryColumnScenarios(): Scenario[] {
  const cases: readonly (readonly [keyof RawRow, string, (row: RawRow) => unknown])[] = [
    ["event_id", "another id", (row) => `${row.event_id}-b`],
    ["type", "another type", () => "check.passed"],
    ["occurred_at", "moved in time", () => "2030-01-01T00:00:00.000Z"],
    ["actor_id", "another actor", () => "mallory"],
    ["run_id", "moved to another run", () => "run-elsewhere"],
    ["run_id", "cleared: out of every per-run query", () => null],
    ["portfolio_id", "moved to another portfolio", () => "pf-elsewhere"],
    ["portfolio_id", "cleared", () => null],
    [
      "event_canonical",
      "the replay copy of the event altered",
      (row) => row.event_canonical.replace(`original note ${VICTIM}`, "altered!"),
    ],
  ];
  return cases.map(([column, what, value]) => {
    const expectation: Expectation = {
      firstBadSeq: VICTIM,
      reason: new RegExp(`^seq ${VICTIM}: the stored ${column} column`),
    };
    return {
      name: `an edited ${column} column (${what}), canonical bytes and hashes left alone`,
      attack: async (a) => {
        const row = await a.row(VICTIM);
        const to = value(row);
        expect(to).not.toEqual(row[column]);
        await a.update(VICTIM, { [column]: to });
      },
      expect: { dense: expectation, sparse: expectation },
    };
  });
}

/** RFC 8785 of the sample events: plain strings and small integers, so sorted keys suffice. */
function canonicalOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalOf).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalOf(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function expectReport(report: VerifyReport, expected: Expectation): void {
  expect(report.ok).toBe(false);
  if (Array.isArray(expected.firstBadSeq)) {
    const [lo, hi] = expected.firstBadSeq as readonly [number, number];
    expect(report.firstBadSeq).toBeGreaterThanOrEqual(lo);
    expect(report.firstBadSeq).toBeLessThanOrEqual(hi);
  } else {
    expect(report.firstBadSeq).toBe(expected.firstBadSeq);
  }
  expect(report.reason).toMatch(expected.reason);
}

function tamperSuite(dialect: Dialect): void {
  for (const regime of ["dense", "sparse"] as const) {
    describe(`${dialect}, checkpoints ${regime === "dense" ? "after every event" : "every 4 events"}`, () => {
      let f: AuditFixture;
      beforeEach(async () => {
        f = await openFixture(dialect, { checkpointEvery: regime === "dense" ? 1 : 4 });
        await appendSamples(f.store, N);
        expect((await f.store.checkpoints()).map((c) => c.size).at(-1)).toBe(N);
      });
      afterEach(async () => {
        await f.cleanup();
      });

      it("verifies the untouched trail", async () => {
        const report = await (await f.reopen()).verify({ deep: true });
        expect(report).toMatchObject({ ok: true, size: N, firstBadSeq: null, reason: null });
        expect(report.latestCheckpoint?.size).toBe(N);
      });

      for (const scenario of scenarios) {
        it(`detects ${scenario.name}`, async () => {
          const a = await f.attacker();
          try {
            await a.dropTriggers();
            await scenario.attack(a, f);
          } finally {
            await a.close();
          }
          const store = await f.reopen();
          const expected = scenario.expect[regime];
          expectReport(await store.verify(), expected);
          expectReport(await store.verify({ deep: true }), expected);
        });
      }
    });
  }

  describe(`${dialect}: the append-only triggers`, () => {
    let f: AuditFixture;
    beforeEach(async () => {
      f = await openFixture(dialect, { checkpointEvery: 2 });
      await appendSamples(f.store, 3);
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("refuse UPDATE and DELETE on audit_events and audit_checkpoints, even for the owner", async () => {
      const a = await f.attacker();
      try {
        await expect(a.exec("update audit_events set type = 'x.y' where seq = 1")).rejects.toThrow(
          /append-only: UPDATE refused/,
        );
        await expect(a.exec("delete from audit_events where seq = 3")).rejects.toThrow(
          /append-only: DELETE refused/,
        );
        await expect(a.exec("update audit_checkpoints set reason = 'x'")).rejects.toThrow(
          /append-only: UPDATE refused/,
        );
        await expect(a.exec("delete from audit_checkpoints")).rejects.toThrow(
          /append-only: DELETE refused/,
        );
        if (dialect === "postgres") {
          await expect(a.exec("truncate audit_events")).rejects.toThrow(
            /append-only: TRUNCATE refused/,
          );
          await expect(a.exec("truncate audit_checkpoints")).rejects.toThrow(
            /append-only: TRUNCATE refused/,
          );
        }
        expect((await a.rows()).map((r) => r.seq)).toEqual([1, 2, 3]);
      } finally {
        await a.close();
      }
      expect((await f.store.verify()).ok).toBe(true);
    });

    if (dialect === "postgres") {
      it("leave the writer role unable to UPDATE, DELETE or TRUNCATE even with the triggers gone", async () => {
        const a = await f.attacker();
        try {
          await a.dropTriggers();
          await a.exec("set role steward_audit_writer");
          for (const sql of [
            "update audit_events set type = 'x.y' where seq = 1",
            "delete from audit_events where seq = 3",
            "truncate audit_events",
            "update audit_checkpoints set reason = 'x'",
            "delete from audit_checkpoints",
          ]) {
            const error = await a.exec(sql).then(
              () => null,
              (e: unknown) => e as pg.DatabaseError,
            );
            expect(error?.code, sql).toBe("42501"); // insufficient_privilege
          }
          await a.exec("reset role");
          expect((await a.rows()).map((r) => r.seq)).toEqual([1, 2, 3]);
        } finally {
          await a.close();
        }
      });

      it("creates a NOLOGIN writer role with SELECT and INSERT only, and runs the store's sessions as it", async () => {
        const a = await f.attacker();
        try {
          const roles = await a.all<{ rolcanlogin: boolean }>(
            "select rolcanlogin from pg_roles where rolname = 'steward_audit_writer'",
          );
          expect(roles).toEqual([{ rolcanlogin: false }]);
          for (const table of ["audit_events", "audit_checkpoints"]) {
            const grants = await a.all<{ privilege_type: string }>(
              "select privilege_type from information_schema.role_table_grants where grantee = 'steward_audit_writer' and table_name = ? and table_schema = current_schema() order by 1",
              [table],
            );
            expect(grants.map((g) => g.privilege_type)).toEqual(["INSERT", "SELECT"]);
          }
          // Take INSERT away from the role: the store (whose sessions SET ROLE to it) can no longer append.
          await a.exec("revoke insert on audit_events from steward_audit_writer");
          await expect(f.store.append(sampleEvent(50))).rejects.toThrow(/permission denied/);
          await a.exec("grant insert on audit_events to steward_audit_writer");
          expect((await f.store.append(sampleEvent(50))).seq).toBe(4);
        } finally {
          await a.close();
        }
      });
    }
  });
}

describe("audit tamper suite: SQLite", () => tamperSuite("sqlite"));

describe("audit tamper suite: SQLite query columns stored as another type or with odd characters", () => {
  let f: AuditFixture;
  beforeEach(async () => {
    f = await openFixture("sqlite", { checkpointEvery: 4 });
    await appendSamples(f.store, N);
  });
  afterEach(async () => {
    await f.cleanup();
  });

  async function attack(sql: string, params: readonly unknown[] = []): Promise<void> {
    const a = await f.attacker();
    try {
      await a.dropTriggers();
      await a.exec(sql, params);
    } finally {
      await a.close();
    }
  }

  it("catches a run_id turned into a BLOB of the same bytes, which per-run queries no longer find", async () => {
    const runId = (await f.store.get("e-6"))?.event.subject?.runId;
    expect(runId).toBe("run-0");
    await attack("update audit_events set run_id = cast(run_id as blob) where seq = ?", [VICTIM]);
    const store = await f.reopen();
    const seqs = (await store.query({ runId: "run-0" })).items.map((r) => r.seq);
    expect(seqs).not.toContain(VICTIM); // the attack works on queries…
    const expected = { firstBadSeq: VICTIM, reason: /^seq 6: the stored run_id column \(a blob\)/ };
    expectReport(await store.verify(), expected); // …and verification names it
    expectReport(await store.verify({ deep: true }), expected);
  });

  const odd: readonly (readonly [string, string])[] = [
    ["event_id", "cast(event_id as blob)"],
    ["type", "cast(type as blob)"],
    ["occurred_at", "cast(occurred_at as blob)"],
    ["actor_id", "cast(actor_id as blob)"],
    ["portfolio_id", "cast(portfolio_id as blob)"],
    ["run_id", "char(30)"], // the packed read's NULL marker, as text
    ["portfolio_id", "char(30)"],
    ["actor_id", "actor_id || char(31) || 'x'"], // the packed read's separator
    ["run_id", "run_id || char(31)"],
    ["event_id", "event_id || '\"'"],
    ["event_canonical", "cast(event_canonical as blob)"],
  ];
  for (const [column, expression] of odd) {
    it(`catches ${column} set to ${expression}`, async () => {
      await attack(`update audit_events set ${column} = ${expression} where seq = ?`, [VICTIM]);
      const expected = {
        firstBadSeq: VICTIM,
        reason: new RegExp(`^seq 6: the stored ${column} column`),
      };
      expectReport(await (await f.reopen()).verify(), expected);
    });
  }

  it("still catches a BLOB run_id when the attacker also dropped the run index", async () => {
    await attack("drop index audit_events_run");
    await attack("update audit_events set run_id = cast(run_id as blob) where seq = ?", [VICTIM]);
    const store = await f.reopen();
    expectReport(await store.verify(), {
      firstBadSeq: VICTIM,
      reason: /^seq 6: the stored run_id column \(a blob\)/,
    });
    // Every other record still reads back exactly as stored.
    const all = await store.readAll();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, k) => k + 1));
  });
});
describe.runIf(pgAvailable)("audit tamper suite: PostgreSQL", () => tamperSuite("postgres"));
