#!/usr/bin/env node
// Steward audit export — offline verifier.
//
//   node offline-verifier.mjs <export-dir>
//
// Verifies an export written by `steward audit export` using only Node.js built-ins (no npm
// packages, no network): it hashes the stored canonical bytes verbatim and prints a JSON report
// {ok, size, firstBadSeq, reason, latestCheckpoint, checkpointsVerified}. Exit code 0 when the
// trail is intact, 1 when it is tampered or cannot be verified, 2 on a usage error.
//
// The checks (RFC 9162 / Certificate Transparency style):
//  - each line of events.ndjson is a record; records are seq 1, 2, 3, … with no gap or repeat;
//  - each record's canonical text is {"event":…,"recordedAt":"<recordedAt>","seq":<seq>}, is
//    RFC 8785 canonical JSON (it re-serialises to the same characters) and its event equals the
//    record's event field;
//  - leaf = SHA-256(0x00 ‖ canonical bytes) equals leafHash;
//  - chain = SHA-256(0x01 ‖ previous chain ‖ leaf) (32 zero bytes before the first) equals chainHash;
//  - each checkpoint in checkpoints.json is signed (Ed25519) by a key in public-key.pem over the
//    RFC 8785 canonical JSON of its fields other than `signature`; its chainHead and merkleRoot
//    (RFC 9162 §2.1.1 Merkle Tree Hash over the leaf hashes) equal the recomputed ones at its
//    size; its size does not exceed the number of records (else the tail was truncated); its
//    `previous` is the SHA-256 of another checkpoint's signed body, no larger than itself.

import { Buffer } from "node:buffer";
import { createHash, createPublicKey, verify as verifySignatureBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ZERO_HASH_HEX = "0".repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const REASON = /^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$/;
const MAX_REASONS = 8;

// ---------- RFC 8785 for values produced by JSON.parse ----------
function canonical(value) {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
}

function keysSorted(value) {
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] >= keys[i]) return false;
  return keys.every((k) => keysSorted(value[k]));
}

// JSON.stringify reproducing the text with every key order sorted is the canonical form (fast path).
const isCanonical = (parsed, text) =>
  (JSON.stringify(parsed) === text && keysSorted(parsed)) || canonical(parsed) === text;

function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]))
  );
}

// ---------- hashes ----------
const sha256 = () => createHash("sha256");
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);
const leafHash = (text) => sha256().update(LEAF_PREFIX).update(text, "utf8").digest();
const nodeHash = (left, right) => sha256().update(NODE_PREFIX).update(left).update(right).digest();
const isHashHex = (value) => typeof value === "string" && HEX64.test(value);

class MerkleAccumulator {
  stack = [];
  count = 0;
  push(leaf) {
    let hash = leaf;
    let n = this.count;
    while (n % 2 === 1) {
      hash = nodeHash(this.stack.pop(), hash);
      n = (n - 1) / 2;
    }
    this.stack.push(hash);
    this.count += 1;
  }
  root() {
    if (this.stack.length === 0) return sha256().digest();
    let hash = this.stack[this.stack.length - 1];
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i], hash);
    return hash;
  }
}

// ---------- checkpoints ----------
function checkpointBody(cp) {
  const { size, chainHead, merkleRoot, time, previous, reason, keyId } = cp;
  return canonical({ size, chainHead, merkleRoot, time, previous, reason, keyId });
}
const checkpointText = (cp) =>
  canonical({ ...JSON.parse(checkpointBody(cp)), signature: cp.signature });
const checkpointHash = (cp) => sha256().update(checkpointBody(cp), "utf8").digest("hex");
const describe = (cp) => `the checkpoint of size ${cp.size} at ${cp.time} (${cp.reason})`;

function compareCheckpoints(a, b) {
  if (a.size !== b.size) return a.size - b.size;
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  const ta = checkpointText(a);
  const tb = checkpointText(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** Field at fault in a checkpoint, or null when it is well-formed. */
function malformedField(cp) {
  if (typeof cp !== "object" || cp === null || Array.isArray(cp)) return "";
  const allowed = [
    "size",
    "chainHead",
    "merkleRoot",
    "time",
    "previous",
    "reason",
    "keyId",
    "signature",
  ];
  const extra = Object.keys(cp).find((k) => !allowed.includes(k));
  if (extra !== undefined) return extra;
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) return "size";
  if (!isHashHex(cp.chainHead)) return "chainHead";
  if (!isHashHex(cp.merkleRoot)) return "merkleRoot";
  if (typeof cp.time !== "string" || !ISO_MILLIS.test(cp.time)) return "time";
  if (cp.previous !== null && !isHashHex(cp.previous)) return "previous";
  if (typeof cp.reason !== "string" || cp.reason.length > 200 || !REASON.test(cp.reason))
    return "reason";
  if (!isHashHex(cp.keyId)) return "keyId";
  if (typeof cp.signature !== "string" || cp.signature.length < 1 || cp.signature.length > 200)
    return "signature";
  return null;
}

function parsePublicKeys(text) {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((pem) => {
    let key;
    try {
      key = createPublicKey({ key: pem, format: "pem" });
    } catch {
      throw new Error("public key is not a PEM public key");
    }
    if (key.asymmetricKeyType !== "ed25519")
      throw new Error(`public key is ${key.asymmetricKeyType ?? "unknown"}, not ed25519`);
    const raw = Buffer.from(key.export({ format: "jwk" }).x, "base64url");
    return { keyId: sha256().update(raw).digest("hex"), key };
  });
}

function signatureValid(key, body, signature) {
  try {
    const bytes = Buffer.from(signature, "base64");
    if (bytes.toString("base64") !== signature || bytes.length !== 64) return false;
    return verifySignatureBytes(null, Buffer.from(body, "utf8"), key, bytes);
  } catch {
    return false;
  }
}

// ---------- records ----------
const PREFIX = '{"event":';

class RecordVerifier {
  count = 0;
  chainBuffer = Buffer.alloc(65);
  chainHex = ZERO_HASH_HEX;
  merkle = new MerkleAccumulator();
  finding = null;
  pending = null;
  snapshots = new Map();

  constructor(sizes) {
    this.sizes = new Set(sizes);
    this.chainBuffer[0] = 1;
    if (this.sizes.has(0)) this.snapshot(0);
  }

  snapshot(size) {
    this.snapshots.set(size, {
      chainHead: this.chainHex,
      merkleRoot: this.merkle.root().toString("hex"),
    });
  }

  push(record) {
    const position = ++this.count;
    const text = typeof record.canonical === "string" ? record.canonical : "";
    const leaf = leafHash(text);
    const leafHex = leaf.toString("hex");
    leaf.copy(this.chainBuffer, 33);
    const next = sha256().update(this.chainBuffer).digest();
    next.copy(this.chainBuffer, 1);
    this.chainHex = next.toString("hex");
    this.merkle.push(leaf);
    if (this.sizes.has(position)) this.snapshot(position);
    if (this.finding !== null) return;

    if (this.pending !== null) {
      const { seq, storedChain } = this.pending;
      this.pending = null;
      const linksForward =
        isHashHex(storedChain) &&
        nodeHash(Buffer.from(storedChain, "hex"), leaf).toString("hex") === record.chainHash;
      const plain = { seq, reason: `seq ${seq}: chain hash does not follow from seq ${seq - 1}` };
      this.finding =
        linksForward && seq > 1
          ? {
              seq: seq - 1,
              reason: `seq ${seq - 1} was rewritten together with its hashes: the chain hash of seq ${seq} no longer follows from it`,
              unlessIntact: { intactSize: seq - 1, fallback: plain },
            }
          : plain;
      return;
    }

    const seq = record.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq)) {
      this.finding = {
        seq: position,
        reason: `the record at position ${position} has no valid seq`,
      };
      return;
    }
    if (seq !== position) {
      this.finding =
        seq > position
          ? {
              seq: position,
              reason: `seq ${position} is missing (the next stored record is seq ${seq})`,
            }
          : seq === position - 1
            ? { seq, reason: `seq ${seq} is stored twice (a record was inserted)` }
            : {
                seq: position,
                reason: `seq ${seq} appears where seq ${position} belongs (a reordered record)`,
              };
      return;
    }
    const suffix = `,"recordedAt":"${String(record.recordedAt)}","seq":${seq}}`;
    if (
      !text.startsWith(PREFIX) ||
      !text.endsWith(suffix) ||
      text.length <= PREFIX.length + suffix.length
    ) {
      this.finding = {
        seq,
        reason: `seq ${seq}: the canonical bytes do not carry the record's seq and recordedAt`,
      };
      return;
    }
    if (leafHex !== record.leafHash) {
      this.finding = {
        seq,
        reason: `seq ${seq}: the leaf hash does not match the canonical bytes`,
      };
      return;
    }
    const problem = deepProblem(text, record);
    if (problem !== null) {
      this.finding = { seq, reason: `seq ${seq}: ${problem}` };
      return;
    }
    if (this.chainHex !== record.chainHash)
      this.pending = { seq, storedChain: String(record.chainHash) };
  }

  finish() {
    if (this.finding === null && this.pending !== null) {
      const { seq } = this.pending;
      this.finding = { seq, reason: `seq ${seq}: chain hash does not follow from seq ${seq - 1}` };
      this.pending = null;
    }
    return this.finding;
  }
}

function deepProblem(text, record) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "the canonical bytes are not JSON";
  }
  if (!isCanonical(parsed, text)) return "the canonical bytes are not RFC 8785 canonical JSON";
  if (Object.keys(parsed).length !== 3)
    return "the canonical bytes hold fields other than event, recordedAt and seq";
  if (!jsonEqual(parsed.event, record.event))
    return "the stored event differs from the event in the canonical bytes";
  return null;
}

// ---------- the whole trail ----------
async function verifyTrail(records, checkpointList, keyList) {
  const keys = new Map(keyList.map((k) => [k.keyId, k.key]));
  const issues = [];

  const versions = new Map();
  checkpointList.forEach((raw, index) => {
    const field = malformedField(raw);
    if (field !== null) {
      issues.push(`checkpoint #${index + 1} in the store is malformed (${field})`);
      return;
    }
    const text = checkpointText(raw);
    if (!versions.has(text)) versions.set(text, raw);
  });
  const all = [...versions.values()].sort(compareCheckpoints);

  const valid = [];
  for (const cp of all) {
    const key = keys.get(cp.keyId);
    if (key === undefined) issues.push(`${describe(cp)} is signed by an unknown key ${cp.keyId}`);
    else if (!signatureValid(key, checkpointBody(cp), cp.signature))
      issues.push(`${describe(cp)} has an invalid signature (forged or altered)`);
    else valid.push(cp);
  }

  const byHash = new Map(valid.map((cp) => [checkpointHash(cp), cp]));
  const badLinks = new Set();
  for (const cp of valid) {
    if (cp.previous === null) continue;
    const prior = byHash.get(cp.previous);
    if (prior === undefined || prior === cp || prior.size > cp.size) {
      issues.push(`${describe(cp)} links to a previous checkpoint that is missing`);
      badLinks.add(cp);
    }
  }

  const verifier = new RecordVerifier(valid.map((cp) => cp.size));
  for await (const record of records) verifier.push(record);
  let recordFinding = verifier.finish();
  const size = verifier.count;

  let beyond = null;
  const passed = [];
  const failed = [];
  for (const cp of valid) {
    if (cp.size > size) {
      if (beyond === null || cp.size > beyond.size) beyond = cp;
      continue;
    }
    const snap = verifier.snapshots.get(cp.size);
    const chainOk = snap?.chainHead === cp.chainHead;
    const rootOk = snap?.merkleRoot === cp.merkleRoot;
    if (chainOk && rootOk) passed.push(cp);
    else
      failed.push({
        checkpoint: cp,
        what: [chainOk ? "" : "chain head", rootOk ? "" : "Merkle root"]
          .filter((s) => s !== "")
          .join(" and "),
      });
  }
  const truncation =
    beyond === null
      ? null
      : {
          seq: size + 1,
          reason: `${describe(beyond)} covers ${beyond.size} records but the store holds ${size}: seq ${size + 1}–${beyond.size} are missing (truncated)`,
        };
  const passedSizes = passed.map((cp) => cp.size);
  if (recordFinding?.unlessIntact !== undefined) {
    const { intactSize, fallback } = recordFinding.unlessIntact;
    if (passedSizes.some((s) => s >= intactSize)) recordFinding = fallback;
  }

  const candidates = [recordFinding, truncation]
    .filter((f) => f !== null)
    .sort((a, b) => a.seq - b.seq);
  let primary = candidates[0] ?? null;
  const firstFail = failed[0];
  if (firstFail !== undefined && (primary === null || primary.seq > firstFail.checkpoint.size)) {
    const c = firstFail.checkpoint.size;
    const from = Math.max(0, ...passedSizes.filter((s) => s < c)) + 1;
    primary = {
      seq: from,
      reason: `seq ${from}–${c} do not match ${describe(firstFail.checkpoint)} (${firstFail.what} differs): a record among them was altered`,
    };
  }
  const reasons = [];
  if (primary !== null) reasons.push(primary.reason);
  for (const f of candidates) if (f !== primary) reasons.push(f.reason);
  for (const f of failed)
    reasons.push(`${describe(f.checkpoint)} does not match the records (${f.what} differs)`);
  reasons.push(...issues);
  const unique = [...new Set(reasons)];
  const reason =
    unique.length === 0
      ? null
      : unique.length <= MAX_REASONS
        ? unique.join("; ")
        : `${unique.slice(0, MAX_REASONS).join("; ")}; and ${unique.length - MAX_REASONS} more problems`;
  const verified = passed.filter((cp) => !badLinks.has(cp));
  return {
    ok: reason === null,
    size,
    firstBadSeq: primary?.seq ?? null,
    reason,
    latestCheckpoint: verified.at(-1) ?? null,
    checkpointsVerified: verified.length,
  };
}

const UNREADABLE = { seq: Number.NaN, recordedAt: "", canonical: "", leafHash: "", chainHash: "" };

async function* readRecords(file) {
  const lines = createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (line === "") continue;
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = UNREADABLE;
    }
    yield typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed
      : UNREADABLE;
  }
}

const unverifiable = (reason) => ({
  ok: false,
  size: 0,
  firstBadSeq: null,
  reason,
  latestCheckpoint: null,
  checkpointsVerified: 0,
});

export async function verifyExportDirectory(dir) {
  let pemText;
  try {
    pemText = await readFile(path.join(dir, "public-key.pem"), "utf8");
  } catch {
    return unverifiable("public-key.pem is missing or unreadable");
  }
  let keys;
  try {
    keys = parsePublicKeys(pemText);
  } catch (error) {
    return unverifiable(`public-key.pem: ${error.message}`);
  }
  if (keys.length === 0) return unverifiable("public-key.pem holds no public key");
  let checkpoints;
  try {
    checkpoints = JSON.parse(await readFile(path.join(dir, "checkpoints.json"), "utf8"));
  } catch {
    return unverifiable("checkpoints.json is missing or not JSON");
  }
  if (!Array.isArray(checkpoints)) return unverifiable("checkpoints.json is not a list");
  const events = path.join(dir, "events.ndjson");
  try {
    await access(events);
  } catch {
    return unverifiable("events.ndjson is missing or unreadable");
  }
  return verifyTrail(readRecords(events), checkpoints, keys);
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  const dir = process.argv[2];
  if (dir === undefined || process.argv.length > 3 || dir === "--help" || dir === "-h") {
    process.stderr.write("usage: node offline-verifier.mjs <export-dir>\n");
    process.exit(2);
  }
  const report = await verifyExportDirectory(dir);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(report.ok ? 0 : 1);
}
