import { createReadStream, createWriteStream } from "node:fs";
import { access, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AuditStore } from "./audit-log.js";
import { AuditError } from "./errors.js";
import { parsePublicKeys } from "./signing.js";
import type { AuditRecord, Checkpoint, VerifyReport } from "./types.js";
import { verifyAuditTrail } from "./verify.js";

/**
 * Export for auditors: a directory an auditor can verify offline with nothing but Node.js.
 *   events.ndjson        one AuditRecord per line, exactly as stored (canonical text verbatim)
 *   checkpoints.json     the store's signed checkpoints covering the exported records
 *   public-key.pem       the trusted Ed25519 public key(s), SPKI PEM
 *   offline-verifier.mjs standalone verifier: `node offline-verifier.mjs <dir>` prints a JSON
 *                        report and exits 0 (intact) or 1 (tampered or unverifiable)
 */

export const EXPORT_FILES = {
  events: "events.ndjson",
  checkpoints: "checkpoints.json",
  publicKey: "public-key.pem",
  verifier: "offline-verifier.mjs",
} as const;

/** The standalone verifier shipped with every export (plain ESM, node: built-ins only). */
export const OFFLINE_VERIFIER_PATH = fileURLToPath(
  new URL("./offline-verifier.mjs", import.meta.url),
);

export interface ExportSummary {
  readonly dir: string;
  /** Records written (the store's size when the export began). */
  readonly records: number;
  readonly checkpoints: number;
  readonly files: readonly string[];
}

/** The stored fields of a record, in a fixed order (a backend's extra properties are not exported). */
function storedForm(record: AuditRecord): AuditRecord {
  const { seq, recordedAt, event, canonical, leafHash, chainHash } = record;
  return { seq, recordedAt, event, canonical, leafHash, chainHash };
}

/**
 * Writes the export of `store` to `outDir` (created if absent; the four files are replaced). The
 * export is a snapshot at the store's size when it begins: records 1..size and the checkpoints
 * of at most that size. Streams the records, so a million events need no million-element array.
 *
 * @example
 * await exportAudit(store, "audit-export"); // then: node audit-export/offline-verifier.mjs audit-export
 */
export async function exportAudit(store: AuditStore, outDir: string): Promise<ExportSummary> {
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new AuditError("EXPORT", "cannot create the export directory", outDir, { cause: error });
  }
  const size = (await store.head()).size;
  const eventsPath = path.join(outDir, EXPORT_FILES.events);
  const out = createWriteStream(eventsPath, { encoding: "utf8" });
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => undefined);
  const write = async (chunk: string): Promise<void> => {
    if (!out.write(chunk))
      await Promise.race([
        new Promise<void>((resolve) => out.once("drain", () => resolve())),
        failed,
      ]);
  };
  let written = 0;
  let chunk = "";
  for await (const record of store.records(1, size)) {
    chunk += `${JSON.stringify(storedForm(record))}\n`;
    written += 1;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(chunk);
  await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);

  const checkpoints: Checkpoint[] = (await store.checkpoints()).filter((cp) => cp.size <= size);
  await writeFile(
    path.join(outDir, EXPORT_FILES.checkpoints),
    `${JSON.stringify(checkpoints, null, 2)}\n`,
  );
  await writeFile(
    path.join(outDir, EXPORT_FILES.publicKey),
    store.publicKeys.map((pem) => pem.trimEnd()).join("\n") + "\n",
  );
  await copyFile(OFFLINE_VERIFIER_PATH, path.join(outDir, EXPORT_FILES.verifier));
  return {
    dir: outDir,
    records: written,
    checkpoints: checkpoints.length,
    files: Object.values(EXPORT_FILES).map((name) => path.join(outDir, name)),
  };
}

function unverifiable(reason: string): VerifyReport {
  return {
    ok: false,
    size: 0,
    firstBadSeq: null,
    reason,
    latestCheckpoint: null,
    checkpointsVerified: 0,
  };
}

/** A line that does not parse: a record no check accepts, so its position is reported. */
const UNREADABLE = {
  seq: Number.NaN,
  recordedAt: "",
  canonical: "",
  leafHash: "",
  chainHash: "",
} as unknown as AuditRecord;

async function* readRecords(file: string): AsyncGenerator<AuditRecord> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = UNREADABLE;
    }
    yield typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as AuditRecord)
      : UNREADABLE;
  }
}

/**
 * Verifies an export directory with the same checks as the offline verifier (records, framing,
 * leaf, chain, Merkle roots at checkpoint sizes, signatures, checkpoint links, truncation), deep by
 * default: every record is also re-canonicalised and its event compared. A missing or unreadable
 * file gives ok false with the reason; it does not throw.
 *
 * @example
 * (await verifyExport("audit-export")).ok; // true for an intact export
 */
export async function verifyExport(
  dir: string,
  options: { readonly deep?: boolean } = {},
): Promise<VerifyReport> {
  let publicKeys: string;
  let checkpoints: unknown;
  try {
    publicKeys = await readFile(path.join(dir, EXPORT_FILES.publicKey), "utf8");
  } catch {
    return unverifiable(`${EXPORT_FILES.publicKey} is missing or unreadable`);
  }
  try {
    if (parsePublicKeys(publicKeys).length === 0)
      return unverifiable(`${EXPORT_FILES.publicKey} holds no public key`);
  } catch (error) {
    if (error instanceof AuditError)
      return unverifiable(`${EXPORT_FILES.publicKey}: ${error.detail}`);
    throw error;
  }
  try {
    checkpoints = JSON.parse(await readFile(path.join(dir, EXPORT_FILES.checkpoints), "utf8"));
  } catch {
    return unverifiable(`${EXPORT_FILES.checkpoints} is missing or not JSON`);
  }
  if (!Array.isArray(checkpoints)) return unverifiable(`${EXPORT_FILES.checkpoints} is not a list`);
  const eventsPath = path.join(dir, EXPORT_FILES.events);
  try {
    await access(eventsPath);
  } catch {
    return unverifiable(`${EXPORT_FILES.events} is missing or unreadable`);
  }
  return verifyAuditTrail({
    records: readRecords(eventsPath),
    storeCheckpoints: checkpoints as Checkpoint[],
    fileCheckpoints: null,
    publicKeys: [publicKeys],
    deep: options.deep ?? true,
  });
}
