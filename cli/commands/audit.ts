import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  AUDIT_PAGE_MAX,
  EXPORT_FILES,
  exportAudit,
  isAuditError,
  openAuditStore,
  parsePublicKeys,
  verifyExport,
  type AuditEventInput,
  type OpenedAuditStore,
  type VerifyReport,
} from "../../audit/index.js";
import { loadConfig } from "../../server/config.js";
import { numberFlag, parseFlags, requireFlag } from "../args.js";
import { EXIT, UsageError, type CliIo, type Command } from "../io.js";
import { printJson } from "../output.js";

export interface AuditCommandDeps {
  /** The store's clock: the time of any checkpoint the command writes (export). */
  readonly clock: () => Date;
}

const SUBCOMMANDS = "verify, export, tail";
const TAIL_DEFAULT = 20;

/** Opens the configured store; prints the public key once when a development key was just created. */
async function open(io: CliIo, deps: AuditCommandDeps): Promise<OpenedAuditStore> {
  const config = loadConfig(io.env, io.cwd);
  const opened = await openAuditStore({
    dataDir: config.dataDir,
    checkpointDir: config.checkpointDir,
    clock: deps.clock,
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    ...(config.auditSigningKeyPem === undefined
      ? {}
      : { signingKeyPem: config.auditSigningKeyPem }),
  });
  if (opened.createdKey !== null) {
    io.stderr(
      `steward audit: generated a development signing key; its public key (saved to ${opened.createdKey.publicKeyPath}) is:\n` +
        opened.createdKey.publicKeyPem,
    );
  }
  return opened;
}

function describeReport(report: VerifyReport, what: string): string {
  const cp = report.latestCheckpoint;
  const latest =
    cp === null
      ? "no verified checkpoint"
      : `latest verified checkpoint: size ${cp.size} at ${cp.time} (${cp.reason})`;
  if (report.ok) {
    return `${what} intact: ${report.size} records, ${report.checkpointsVerified} checkpoints verified; ${latest}\n`;
  }
  const where = report.firstBadSeq === null ? "" : ` at seq ${report.firstBadSeq}`;
  return `${what} TAMPERED or unverifiable${where}: ${report.reason ?? "unknown problem"}\n${report.size} records read; ${latest}\n`;
}

async function verify(args: readonly string[], io: CliIo, deps: AuditCommandDeps): Promise<number> {
  const flags = parseFlags("audit verify", args, {
    json: { type: "boolean" },
    deep: { type: "boolean" },
    export: { type: "string" },
  });
  let report: VerifyReport;
  let what: string;
  if (flags.export !== undefined) {
    const dir = path.resolve(io.cwd, requireFlag("audit verify", "export", flags.export));
    report = await verifyExport(dir, { deep: true });
    let keys = "";
    try {
      keys = parsePublicKeys(await readFile(path.join(dir, EXPORT_FILES.publicKey), "utf8"))
        .map((k) => k.keyId)
        .join(", ");
    } catch {
      keys = "";
    }
    // The export carries its own public key: the auditor compares its keyId with the one they trust.
    what = `export ${dir}${keys === "" ? "" : ` (signed by key ${keys})`}`;
  } else {
    const { store, location } = await open(io, deps);
    try {
      report = await store.verify({ deep: flags.deep === true });
    } finally {
      await store.close();
    }
    what = `audit trail ${location}`;
  }
  if (flags.json === true) printJson(io, report);
  else io.stdout(describeReport(report, what));
  return report.ok ? EXIT.ok : EXIT.failed;
}

async function exportCommand(
  args: readonly string[],
  io: CliIo,
  deps: AuditCommandDeps,
): Promise<number> {
  const flags = parseFlags("audit export", args, {
    out: { type: "string" },
    json: { type: "boolean" },
  });
  const out = path.resolve(io.cwd, requireFlag("audit export", "out", flags.out));
  const { store } = await open(io, deps);
  try {
    // Cover the newest record with a checkpoint, so a truncated copy of the export is detectable.
    const head = await store.head();
    const latest = (await store.checkpoints()).at(-1);
    let problem: string | null = null;
    if (head.size > 0 && (latest === undefined || latest.size < head.size)) {
      try {
        await store.writeCheckpoint("export");
      } catch (error) {
        if (!isAuditError(error) || error.code !== "CHAIN_BROKEN") throw error;
        problem = error.message;
      }
    }
    const summary = await exportAudit(store, out);
    if (flags.json === true) printJson(io, { ...summary, verified: problem === null, problem });
    else {
      io.stdout(
        `exported ${summary.records} records and ${summary.checkpoints} checkpoints to ${summary.dir}\n` +
          `verify offline with: node ${path.join(summary.dir, "offline-verifier.mjs")} ${summary.dir}\n`,
      );
    }
    if (problem !== null) {
      io.stderr(
        `steward audit export: the store does not verify (${problem}); the export shows it as it is\n`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** The event inside a record's canonical bytes (the hashed truth), or null when they do not parse. */
function hashedEvent(canonical: string): AuditEventInput | null {
  try {
    const parsed = JSON.parse(canonical) as { event?: AuditEventInput };
    return parsed.event ?? null;
  } catch {
    return null;
  }
}

async function tail(args: readonly string[], io: CliIo, deps: AuditCommandDeps): Promise<number> {
  const flags = parseFlags("audit tail", args, {
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const limit =
    numberFlag("audit tail", "limit", flags.limit, { min: 1, max: AUDIT_PAGE_MAX }) ?? TAIL_DEFAULT;
  if (!Number.isInteger(limit))
    throw new UsageError(`steward audit tail: --limit must be a whole number, got ${limit}`);
  const { store } = await open(io, deps);
  try {
    const size = (await store.head()).size;
    const rows: {
      seq: number;
      recordedAt: string;
      event: AuditEventInput | null;
      chainHash: string;
    }[] = [];
    for await (const record of store.records(Math.max(1, size - limit + 1), size)) {
      rows.push({
        seq: record.seq,
        recordedAt: record.recordedAt,
        event: hashedEvent(record.canonical),
        chainHash: record.chainHash,
      });
    }
    if (flags.json === true) printJson(io, rows);
    else if (rows.length === 0) io.stdout("the audit trail is empty\n");
    else {
      for (const r of rows) {
        const e = r.event;
        const line =
          e === null
            ? `${r.seq}\t${r.recordedAt}\t(unreadable record)`
            : `${r.seq}\t${e.occurredAt}\t${e.type}\t${e.actor.kind}:${e.actor.id}\t${e.subject?.runId ?? "-"}\t${e.eventId}`;
        io.stdout(`${line}\n`);
      }
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function run(args: readonly string[], io: CliIo, deps: AuditCommandDeps): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case "verify":
        return await verify(rest, io, deps);
      case "export":
        return await exportCommand(rest, io, deps);
      case "tail":
        return await tail(rest, io, deps);
      case undefined:
        throw new UsageError(`steward audit: give a subcommand (${SUBCOMMANDS})`);
      default:
        throw new UsageError(`steward audit: unknown subcommand "${sub}" (try: ${SUBCOMMANDS})`);
    }
  } catch (error) {
    if (!isAuditError(error)) throw error;
    // The store's own errors (unreadable key, unwritable directory, …): exit 1 with the message.
    if (rest.includes("--json"))
      printJson(io, {
        error: { code: error.code, message: error.message, field: error.field ?? null },
      });
    io.stderr(`steward audit ${sub ?? ""}: ${error.message}\n`);
    return EXIT.failed;
  }
}

/**
 * `steward audit`: `verify [--json] [--deep]` (exit 0 intact, 1 tampered or unverifiable),
 * `verify --export <dir> [--json]` (checks an export offline), `export --out <dir> [--json]`,
 * `tail [--limit N] [--json]`. Configuration from the environment through server/config.ts:
 * STEWARD_DATA_DIR, DATABASE_URL, STEWARD_CHECKPOINT_DIR, STEWARD_AUDIT_SIGNING_KEY.
 *
 * @example const code = await createAuditCommand({ clock: () => new Date() })(["verify", "--json"], io);
 */
export function createAuditCommand(deps: AuditCommandDeps): Command {
  return (args, io) => run(args, io, deps);
}

/** The registered command, on the real clock. */
export const auditCommand: Command = createAuditCommand({ clock: () => new Date() });
