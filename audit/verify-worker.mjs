// Steward audit trail — the hashing half of verification, in a worker thread (see verify.ts).
//
// verifyAuditTrail hands large trails to this worker in jobs, in seq order, so that hashing runs
// on a second core while the main thread reads and checks the next records. Per record a job
// holds, from `offsets[i]`:
//   0x00 ‖ UTF-8 canonical bytes      (the RFC 9162 leaf preimage)
//   stored leaf hash,  64 UTF-16LE code units (128 bytes)
//   stored chain hash, 64 UTF-16LE code units (128 bytes)
//   one byte: bit 0 the stored leaf hash is a string, bit 1 the stored chain hash is a string
// A stored hash that is not 64 characters long is sent as 64 "!" (it can equal no digest).
// The worker keeps the running chain and Merkle tree across jobs and answers each with one byte
// per record — bit 0 leaf = stored leaf, bit 1 chain = stored chain, bit 2 (only after a record
// whose chain did not match) this record's stored chain hash follows from that record's stored
// one and this record's leaf — plus the chain head and Merkle root at each requested size reached.
// The arithmetic is exactly that of hash.ts and merkle.ts:
//   leaf_i  = SHA-256(0x00 ‖ canonical_i)
//   chain_i = SHA-256(0x01 ‖ chain_{i−1} ‖ leaf_i), chain_0 = 32 zero bytes
//   MTH per RFC 9162 §2.1.1 over the leaves, kept as a compact range of perfect-subtree roots.

import { Buffer } from "node:buffer";
import { hash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

const HEX64 = /^[0-9a-f]{64}$/;
const EMPTY_ROOT_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const HASH_FIELD = 128;

/** Requested snapshot sizes, ascending, all ≥ 1. */
const sizes = workerData.sizes;
let nextSize = 0;
let count = 0;

// 0x01 ‖ chain head ‖ leaf
const chain = Buffer.alloc(65);
chain[0] = 1;
let head = "0".repeat(64);

// 0x01 ‖ left ‖ right, then the stack of perfect-subtree roots, 32 bytes each.
const tree = Buffer.alloc(65 + 32 * 64);
tree[0] = 1;
const window = tree.subarray(0, 65);
let top = 0;

function pushLeaf() {
  tree.set(chain.subarray(33, 65), 33);
  let n = count;
  while (n % 2 === 1) {
    top -= 1;
    const slot = 65 + 32 * top;
    tree.copyWithin(1, slot, slot + 32);
    tree.latin1Write(hash("sha256", window, "latin1"), 33, 32);
    n = (n - 1) / 2;
  }
  const slot = 65 + 32 * top;
  tree.copyWithin(slot, 33, 65);
  top += 1;
}

function rootHex() {
  if (top === 0) return EMPTY_ROOT_HEX;
  const scratch = Buffer.alloc(65);
  scratch[0] = 1;
  let slot = 65 + 32 * (top - 1);
  tree.copy(scratch, 33, slot, slot + 32);
  for (let i = top - 2; i >= 0; i--) {
    slot = 65 + 32 * i;
    tree.copy(scratch, 1, slot, slot + 32);
    scratch.latin1Write(hash("sha256", scratch, "latin1"), 33, 32);
  }
  return scratch.toString("hex", 33, 65);
}

/** Whether `stored` follows from the previous stored chain hash and this leaf. */
function linksForward(previousStored, leafHex, stored) {
  if (!HEX64.test(previousStored)) return false;
  const bytes = Buffer.alloc(65);
  bytes[0] = 1;
  bytes.hexWrite(previousStored, 1, 32);
  bytes.hexWrite(leafHex, 33, 32);
  return hash("sha256", bytes, "hex") === stored;
}

let previousMismatch = false;
let previousStored = "";

parentPort.on("message", (job) => {
  const bytes = Buffer.from(job.data);
  const offsets = new Uint32Array(job.offsets);
  const n = job.count;
  const flags = new Uint8Array(n);
  const snapshots = [];
  for (let i = 0; i < n; i++) {
    const end = offsets[i + 1];
    const canonicalEnd = end - 2 * HASH_FIELD - 1;
    const kind = bytes[end - 1];
    const leafHex = hash("sha256", bytes.subarray(offsets[i], canonicalEnd), "hex");
    const storedLeaf = bytes.ucs2Slice(canonicalEnd, canonicalEnd + HASH_FIELD);
    const storedChain = bytes.ucs2Slice(canonicalEnd + HASH_FIELD, end - 1);
    let f = (kind & 1) !== 0 && leafHex === storedLeaf ? 1 : 0;
    if (previousMismatch && linksForward(previousStored, leafHex, storedChain) && (kind & 2) !== 0)
      f |= 4;
    chain.hexWrite(leafHex, 33, 32);
    head = hash("sha256", chain, "hex");
    chain.hexWrite(head, 1, 32);
    pushLeaf();
    count += 1;
    const chainOk = (kind & 2) !== 0 && head === storedChain;
    if (chainOk) f |= 2;
    previousMismatch = !chainOk;
    previousStored = storedChain;
    flags[i] = f;
    while (nextSize < sizes.length && sizes[nextSize] <= count) {
      if (sizes[nextSize] === count) snapshots.push([count, head, rootHex()]);
      nextSize += 1;
    }
  }
  parentPort.postMessage(
    { id: job.id, flags: flags.buffer, snapshots, data: job.data, offsets: job.offsets },
    [flags.buffer, job.data, job.offsets],
  );
});
