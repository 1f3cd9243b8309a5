import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  checkpointHash,
  checkpointText,
  compareCheckpoints,
  parseCheckpoint,
} from "./checkpoint.js";
import { AuditError } from "./errors.js";
import type { Checkpoint } from "./types.js";

/**
 * The copy of every checkpoint kept outside the database: one JSON file per checkpoint in the
 * checkpoint directory, so that someone who rewrites or truncates the database cannot also erase
 * the signed record of what it held.
 */

const FILE_PATTERN = /^checkpoint-[^/]*\.json$/;

/**
 * The file name of a checkpoint: zero-padded size, compact UTC time and the first 12 hex digits
 * of the checkpoint's body hash (two checkpoints of one size written in the same millisecond still
 * get distinct names), so names sort by size then time.
 *
 * @example
 * checkpointFileName({ size: 1000, time: "2024-01-02T10:00:00.000Z", … });
 * // "checkpoint-0000000000001000-20240102T100000000Z-<12 hex>.json"
 */
export function checkpointFileName(checkpoint: Checkpoint): string {
  const size = String(checkpoint.size).padStart(16, "0");
  const time = checkpoint.time.replace(/[-:.]/g, "");
  return `checkpoint-${size}-${time}-${checkpointHash(checkpoint).slice(0, 12)}.json`;
}

/**
 * Writes the checkpoint as canonical JSON to `dir` atomically: a temporary file created
 * exclusively, flushed to disk, then renamed over the final name (readers never see half a
 * file), and the directory flushed so the rename survives a crash. Returns the file's path.
 * Throws an AuditError (CHECKPOINT_FILE) when the directory cannot be written.
 *
 * Synchronous on purpose, like the SQLite store's own commits: the write runs under the audit
 * log's checkpoint lock, and each step of an asynchronous write (open, write, fsync, close,
 * rename, directory fsync) would wait for the event loop, which on a busy thread is running other
 * runs' work. Under the HTTP briefing load that stretched one write to ~37 ms of lock time against
 * ~0.9 ms done in one go (two fsyncs included).
 *
 * @example
 * writeCheckpointFile("var/checkpoints", checkpoint); // ".../checkpoint-…json"
 */
export function writeCheckpointFile(dir: string, checkpoint: Checkpoint): string {
  const name = checkpointFileName(checkpoint);
  const target = path.join(dir, name);
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const fd = openNew(dir, temp);
    try {
      writeFileSync(fd, `${checkpointText(checkpoint)}\n`, "utf8");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already gone.
    }
    throw new AuditError("CHECKPOINT_FILE", "cannot write the checkpoint file", target, {
      cause: error,
    });
  }
  try {
    const directory = openSync(dir, "r");
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file itself is already durable.
  }
  return target;
}

/** Creates `temp` exclusively; the directory is made (again) only when it does not exist. */
function openNew(dir: string, temp: string): number {
  try {
    return openSync(temp, "wx", 0o644);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    mkdirSync(dir, { recursive: true });
    return openSync(temp, "wx", 0o644);
  }
}

/** Checkpoint files read leniently: the valid ones, and a description of each file that is not. */
export interface CheckpointFilesRead {
  readonly checkpoints: Checkpoint[];
  readonly problems: string[];
}

/**
 * Every checkpoint file in `dir` (`checkpoint-*.json`), validated and sorted by size, then time;
 * a file that does not parse as a checkpoint is listed in `problems` instead (verification
 * reports it rather than stopping). A missing directory holds no checkpoints. Temporary files of
 * an interrupted write (dot-files) are ignored.
 *
 * @example
 * (await readCheckpointFilesLenient("var/checkpoints")).problems; // [] when every file is sound
 */
export async function readCheckpointFilesLenient(dir: string): Promise<CheckpointFilesRead> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT") {
      return { checkpoints: [], problems: [] };
    }
    throw new AuditError("CHECKPOINT_FILE", "cannot list the checkpoint directory", dir, {
      cause: error,
    });
  }
  const checkpoints: Checkpoint[] = [];
  const problems: string[] = [];
  for (const name of names.filter((n) => FILE_PATTERN.test(n)).sort()) {
    const file = path.join(dir, name);
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, "utf8"));
      } catch (error) {
        throw new AuditError("CHECKPOINT_FILE", "not JSON", file, { cause: error });
      }
      checkpoints.push(parseCheckpoint(parsed, file));
    } catch (error) {
      if (!(error instanceof AuditError)) throw error;
      problems.push(`checkpoint file ${name} is unreadable (${error.detail})`);
    }
  }
  return { checkpoints: checkpoints.sort(compareCheckpoints), problems };
}

/**
 * Every checkpoint file in `dir`, validated and sorted by size, then time. A missing directory
 * holds no checkpoints. Throws an AuditError (CHECKPOINT_FILE) when a file does not parse as a
 * checkpoint.
 *
 * @example
 * (await readCheckpointFiles("var/checkpoints")).at(-1); // the newest checkpoint
 */
export async function readCheckpointFiles(dir: string): Promise<Checkpoint[]> {
  const { checkpoints, problems } = await readCheckpointFilesLenient(dir);
  if (problems.length > 0) throw new AuditError("CHECKPOINT_FILE", problems.join("; "), dir);
  return checkpoints;
}
