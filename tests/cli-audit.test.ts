import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditStore } from "../audit/open-store.js";
import type { VerifyReport } from "../audit/types.js";
import { createAuditCommand } from "../cli/commands/audit.js";
import { EXIT, UsageError, type CliIo } from "../cli/io.js";
import { newKeyPem, sampleEvent, steppingClock } from "./audit-db-helpers.js";
import { createTestSchema, pgAvailable } from "./pg.js";

/**
 * `steward audit` run in-process with a fake CliIo over a temporary STEWARD_DATA_DIR. The store
 * is filled through openAuditStore (the same factory the command uses); the tampering is done
 * on the SQLite file with raw SQL after dropping its trigger.
 */

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const command = createAuditCommand({ clock: steppingClock("2024-02-01T00:00:00.000Z") });

async function run(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd,
  };
  const code = await command(args, io);
  return { code, stdout, stderr };
}

describe("steward audit (SQLite under STEWARD_DATA_DIR)", () => {
  let dir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "steward-cli-audit-"));
    env = { STEWARD_DATA_DIR: path.join(dir, "data") };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function fill(n: number): Promise<void> {
    const { store } = await openAuditStore({
      dataDir: env.STEWARD_DATA_DIR as string,
      clock: steppingClock(),
      checkpointEvery: 4,
    });
    for (let i = 1; i <= n; i++) await store.append(sampleEvent(i));
    await store.close();
  }

  function tamper(seq: number): void {
    const db = new Database(path.join(env.STEWARD_DATA_DIR as string, "audit.db"));
    db.exec("drop trigger audit_events_no_update");
    const canonical = db
      .prepare("select canonical from audit_events where seq = ?")
      .pluck()
      .get(seq) as string;
    db.prepare("update audit_events set canonical = ? where seq = ?").run(
      canonical.replace("original note", "altered! note"),
      seq,
    );
    db.close();
  }

  it("prints the development key's public key once, when it is generated", async () => {
    const first = await run(["verify"], env, dir);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stderr).toMatch(/generated a development signing key/);
    expect(first.stderr).toContain("-----BEGIN PUBLIC KEY-----");
    const second = await run(["verify"], env, dir);
    expect(second.stderr).toBe("");
  });

  it("exits 0 for an intact trail and reports its size and checkpoints", async () => {
    await fill(10);
    const text = await run(["verify"], env, dir);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toMatch(
      /intact: 10 records, 2 checkpoints verified; latest verified checkpoint: size 8/,
    );
    const json = await run(["verify", "--json"], env, dir);
    expect(json.code).toBe(EXIT.ok);
    const report = JSON.parse(json.stdout) as VerifyReport;
    expect(report).toMatchObject({
      ok: true,
      size: 10,
      firstBadSeq: null,
      reason: null,
      checkpointsVerified: 2,
    });
  });

  it("exits 1 after the SQLite file is tampered with, naming the first bad seq", async () => {
    await fill(10);
    tamper(4);
    const text = await run(["verify"], env, dir);
    expect(text.code).toBe(EXIT.failed);
    expect(text.stdout).toMatch(
      /TAMPERED or unverifiable at seq 4: seq 4: the leaf hash does not match/,
    );
    const json = await run(["verify", "--json"], env, dir);
    expect(json.code).toBe(EXIT.failed);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it("exits 1 when the checkpoint files show the tail was truncated", async () => {
    await fill(10);
    const db = new Database(path.join(env.STEWARD_DATA_DIR as string, "audit.db"));
    db.exec("drop trigger audit_events_no_delete; drop trigger audit_checkpoints_no_delete");
    db.exec("delete from audit_events where seq > 6; delete from audit_checkpoints where size > 6");
    db.close();
    const r = await run(["verify", "--json"], env, dir);
    expect(r.code).toBe(EXIT.failed);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, size: 6, firstBadSeq: 7 });
  });

  it("tails the newest records, oldest first", async () => {
    await fill(10);
    const json = await run(["tail", "--limit", "3", "--json"], env, dir);
    expect(json.code).toBe(EXIT.ok);
    const rows = JSON.parse(json.stdout) as { seq: number; event: { eventId: string } }[];
    expect(rows.map((r) => [r.seq, r.event.eventId])).toEqual([
      [8, "e-8"],
      [9, "e-9"],
      [10, "e-10"],
    ]);
    const text = await run(["tail"], env, dir);
    const lines = text.stdout.trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("1\t2024-01-02T09:00:01.000Z\tcheck.failed\thuman:alice\trun-0\te-1");
  });

  it("exports a directory that verifies, offline too, and fails once the export is edited", async () => {
    await fill(10);
    const out = await run(["export", "--out", "exp"], env, dir);
    expect(out.code).toBe(EXIT.ok);
    expect(out.stdout).toMatch(/exported 10 records and 3 checkpoints/);
    const exp = path.join(dir, "exp");
    for (const f of [
      "events.ndjson",
      "checkpoints.json",
      "public-key.pem",
      "offline-verifier.mjs",
    ]) {
      expect(existsSync(path.join(exp, f))).toBe(true);
    }
    // The export wrote a checkpoint covering the newest record (size 10), so the copy is complete.
    const checkpoints = JSON.parse(readFileSync(path.join(exp, "checkpoints.json"), "utf8")) as {
      size: number;
      reason: string;
    }[];
    expect(checkpoints.at(-1)).toMatchObject({ size: 10, reason: "export" });

    const ok = await run(["verify", "--export", "exp", "--json"], env, dir);
    expect(ok.code).toBe(EXIT.ok);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, size: 10 });
    const offline = spawnSync(process.execPath, [path.join(exp, "offline-verifier.mjs"), exp], {
      encoding: "utf8",
    });
    expect(offline.status).toBe(0);

    const events = path.join(exp, "events.ndjson");
    const lines = readFileSync(events, "utf8").split("\n");
    lines.splice(9, 1); // drop the last record
    writeFileSync(events, lines.join("\n"));
    const bad = await run(["verify", "--export", "exp"], env, dir);
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.stdout).toMatch(/TAMPERED or unverifiable at seq 10/);
  });

  it("uses the configured signing key instead of generating one", async () => {
    const key = newKeyPem();
    const r = await run(["verify"], { ...env, STEWARD_AUDIT_SIGNING_KEY: key.privateKeyPem }, dir);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toBe("");
    expect(existsSync(path.join(env.STEWARD_DATA_DIR as string, "keys"))).toBe(false);
  });

  it("rejects bad command lines with a usage error (exit 2 through runCli)", async () => {
    await expect(run([], env, dir)).rejects.toThrow(UsageError);
    await expect(run(["frobnicate"], env, dir)).rejects.toThrow(/unknown subcommand "frobnicate"/);
    await expect(run(["verify", "--bogus"], env, dir)).rejects.toThrow(/--bogus/);
    await expect(run(["export"], env, dir)).rejects.toThrow(/--out is required/);
    await expect(run(["tail", "--limit", "0"], env, dir)).rejects.toThrow(/--limit must be ≥ 1/);
    await expect(run(["tail", "--limit", "2.5"], env, dir)).rejects.toThrow(/whole number/);
    await expect(run(["tail", "--limit", "501"], env, dir)).rejects.toThrow(/≤ 500/);
  });

  it("exits 1 with the store's message when the signing key is unusable", async () => {
    const r = await run(
      ["verify", "--json"],
      {
        ...env,
        STEWARD_AUDIT_SIGNING_KEY:
          "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
      },
      dir,
    );
    expect(r.code).toBe(EXIT.failed);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "SIGNING_KEY" } });
    expect(r.stderr).toMatch(/signing key is not a PEM private key/);
  });
});

describe.runIf(pgAvailable)("steward audit (PostgreSQL from DATABASE_URL)", () => {
  it("verifies a PostgreSQL trail and exits 1 once a row is edited", async () => {
    const schema = await createTestSchema("audit_cli");
    const dir = mkdtempSync(path.join(tmpdir(), "steward-cli-audit-pg-"));
    try {
      const env = { STEWARD_DATA_DIR: dir, DATABASE_URL: schema.url };
      const { store, location } = await openAuditStore({
        dataDir: dir,
        databaseUrl: schema.url,
        clock: steppingClock(),
      });
      expect(location).toBe("postgres://127.0.0.1:5432/test");
      for (let i = 1; i <= 5; i++) await store.append(sampleEvent(i));
      await store.writeCheckpoint("on-demand");
      await store.close();
      const ok = await run(["verify"], env, dir);
      expect(ok.code).toBe(EXIT.ok);
      expect(ok.stdout).toMatch(
        /audit trail postgres:\/\/127\.0\.0\.1:5432\/test intact: 5 records/,
      );

      const pg = (await import("pg")).default;
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      await client.query("drop trigger audit_events_append_only on audit_events");
      await client.query(
        "update audit_events set canonical = replace(canonical, 'original note', 'altered! note') where seq = 2",
      );
      await client.end();
      const bad = await run(["verify", "--json"], env, dir);
      expect(bad.code).toBe(EXIT.failed);
      expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, firstBadSeq: 2 });
    } finally {
      await schema.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
