import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkpointBody, checkpointHash } from "./checkpoint.js";
import {
  checkpointFileName,
  readCheckpointFiles,
  readCheckpointFilesLenient,
  writeCheckpointFile,
} from "./checkpoint-files.js";
import { createSigner } from "./signing.js";
import type { Checkpoint } from "./types.js";

const signer = createSigner(
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
);

function checkpoint(size: number, time: string, reason = "on-demand"): Checkpoint {
  const body = {
    size,
    chainHead: "11".repeat(32),
    merkleRoot: "22".repeat(32),
    time,
    previous: null,
    reason,
    keyId: signer.keyId,
  };
  return { ...body, signature: signer.sign(checkpointBody(body)) };
}

describe("checkpoint files", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "steward-cpfiles-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names files by zero-padded size, compact time and body hash", () => {
    const cp = checkpoint(1000, "2024-01-02T10:00:00.000Z");
    expect(checkpointFileName(cp)).toBe(
      `checkpoint-0000000000001000-20240102T100000000Z-${checkpointHash(cp).slice(0, 12)}.json`,
    );
  });

  it("writes atomically, leaves no temporary file, and reads everything back in order", async () => {
    const target = path.join(dir, "nested", "checkpoints");
    const later = checkpoint(20, "2024-01-02T10:00:00.001Z");
    const sameTime = checkpoint(20, "2024-01-02T10:00:00.001Z", "run-at-rest:released");
    const earlier = checkpoint(9, "2024-01-03T00:00:00.000Z");
    for (const cp of [later, earlier, sameTime]) writeCheckpointFile(target, cp);
    const names = await readdir(target);
    expect(names.length).toBe(3);
    expect(names.every((n) => n.startsWith("checkpoint-") && n.endsWith(".json"))).toBe(true);
    const read = await readCheckpointFiles(target);
    expect(read.map((cp) => cp.size)).toEqual([9, 20, 20]);
    expect(
      read
        .slice(1)
        .map((cp) => cp.reason)
        .sort(),
    ).toEqual(["on-demand", "run-at-rest:released"]);
    expect(read).toContainEqual(later);
    const text = await readFile(path.join(target, checkpointFileName(later)), "utf8");
    expect(JSON.parse(text)).toEqual(later);
  });

  it("refuses with CHECKPOINT_FILE, naming the file, when the directory cannot be written", async () => {
    // A regular file where the checkpoint directory should be: neither open nor mkdir can succeed.
    const blocked = path.join(dir, "not-a-directory");
    await writeFile(blocked, "x");
    const cp = checkpoint(5, "2024-01-02T10:00:00.000Z");
    let caught: unknown;
    try {
      writeCheckpointFile(path.join(blocked, "checkpoints"), cp);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: "CHECKPOINT_FILE",
      field: path.join(blocked, "checkpoints", checkpointFileName(cp)),
    });
    expect(await readdir(dir)).toEqual(["not-a-directory"]);
  });

  it("treats a missing directory as holding no checkpoints", async () => {
    expect(await readCheckpointFiles(path.join(dir, "absent"))).toEqual([]);
  });

  it("reports unreadable files: leniently as problems, strictly as an error", async () => {
    writeCheckpointFile(dir, checkpoint(3, "2024-01-02T10:00:00.000Z"));
    await writeFile(path.join(dir, "checkpoint-garbage.json"), "{not json");
    await writeFile(
      path.join(dir, "checkpoint-wrong.json"),
      JSON.stringify({ ...checkpoint(4, "2024-01-02T10:00:00.000Z"), size: "4" }),
    );
    await writeFile(path.join(dir, ".checkpoint-x.json.123.tmp"), "half");
    const lenient = await readCheckpointFilesLenient(dir);
    expect(lenient.checkpoints.map((cp) => cp.size)).toEqual([3]);
    expect(lenient.problems).toEqual([
      "checkpoint file checkpoint-garbage.json is unreadable (not JSON)",
      expect.stringMatching(
        /^checkpoint file checkpoint-wrong.json is unreadable \(not a checkpoint: size/,
      ),
    ]);
    await expect(readCheckpointFiles(dir)).rejects.toMatchObject({ code: "CHECKPOINT_FILE" });
  });
});
