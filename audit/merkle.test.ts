import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HashChain, leafHash, nodeHash } from "./hash.js";
import {
  consistencyProof,
  EMPTY_ROOT_HEX,
  inclusionProof,
  MerkleAccumulator,
  merkleRoot,
  TrailAccumulator,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";

// The RFC 6962 / Certificate Transparency reference vectors, as published in
// transparency-dev/merkle proof/verify_test.go (and google/certificate-transparency's
// merkle_tree_test): eight entries and the Merkle Tree Hash of the first n of them.
const ENTRIES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map((hex) => Buffer.from(hex, "hex"));
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
// Inclusion proofs {leaf (1-based), size, path} and consistency proofs {size1, size2, path}.
const INCLUSION: readonly (readonly [number, number, readonly string[]])[] = [
  [
    1,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    6,
    8,
    [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [
    2,
    5,
    [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
];
const CONSISTENCY: readonly (readonly [number, number, readonly string[]])[] = [
  [1, 1, []],
  [
    1,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    6,
    8,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [
    2,
    5,
    [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
  [
    6,
    7,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
];

const LEAVES = ENTRIES.map((entry) => leafHash(entry));
const hex = (list: readonly Buffer[]): string[] => list.map((b) => b.toString("hex"));
const bytes = (list: readonly string[]): Buffer[] => list.map((h) => Buffer.from(h, "hex"));
const root = (n: number): Buffer => Buffer.from(ROOTS[n - 1] as string, "hex");

/** A naive second implementation of RFC 9162 §2.1.1 by its recursive definition, over raw entries. */
function naiveMth(entries: readonly Buffer[]): Buffer {
  if (entries.length === 0) return createHash("sha256").digest();
  if (entries.length === 1)
    return createHash("sha256")
      .update(Buffer.from([0]))
      .update(entries[0] as Buffer)
      .digest();
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return createHash("sha256")
    .update(Buffer.from([1]))
    .update(naiveMth(entries.slice(0, k)))
    .update(naiveMth(entries.slice(k)))
    .digest();
}

describe("RFC 9162 Merkle Tree Hash", () => {
  it("reproduces the Certificate Transparency reference roots for sizes 0 to 8", () => {
    expect(merkleRoot([]).toString("hex")).toBe(EMPTY_ROOT_HEX);
    expect(new MerkleAccumulator().rootHex()).toBe(EMPTY_ROOT_HEX);
    for (let n = 1; n <= 8; n++) {
      expect(merkleRoot(LEAVES.slice(0, n)).toString("hex"), `size ${n}`).toBe(ROOTS[n - 1]);
      const acc = new MerkleAccumulator();
      for (const leaf of LEAVES.slice(0, n)) acc.push(leaf);
      expect(acc.root().toString("hex"), `streamed size ${n}`).toBe(ROOTS[n - 1]);
      expect(acc.size).toBe(n);
    }
  });

  it("streams to the same root as the recursive definition for every size up to 70", () => {
    const entries = Array.from({ length: 70 }, (_, i) => Buffer.from(`entry ${i}`));
    const acc = new MerkleAccumulator();
    entries.forEach((entry, i) => {
      acc.pushHex(leafHash(entry).toString("hex"));
      const expected = naiveMth(entries.slice(0, i + 1)).toString("hex");
      expect(acc.rootHex(), `size ${i + 1}`).toBe(expected);
      expect(merkleRoot(entries.slice(0, i + 1).map((e) => leafHash(e))).toString("hex")).toBe(
        expected,
      );
    });
  });

  it("advances chain and tree together exactly as HashChain and the recursive definition do", () => {
    const entries = Array.from({ length: 130 }, (_, i) => Buffer.from(`record ${i}`));
    const trail = new TrailAccumulator();
    const chain = new HashChain();
    expect(trail.chainHead).toBe("0".repeat(64));
    expect(trail.merkleRootHex()).toBe(EMPTY_ROOT_HEX);
    entries.forEach((entry, i) => {
      const leafHex = leafHash(entry).toString("hex");
      expect(trail.push(leafHex), `chain ${i + 1}`).toBe(chain.pushHex(leafHex));
      expect(trail.chainHead).toBe(chain.head);
      expect(trail.size).toBe(i + 1);
      // Snapshots in the middle of the stream must not disturb it.
      if (i % 7 === 0 || i === 63 || i === 64)
        expect(trail.merkleRootHex(), `root ${i + 1}`).toBe(
          naiveMth(entries.slice(0, i + 1)).toString("hex"),
        );
    });
    expect(trail.merkleRootHex()).toBe(naiveMth(entries).toString("hex"));
  });

  it("refuses a leaf hash that is not 32 bytes", () => {
    expect(() => new MerkleAccumulator().push(Buffer.alloc(31))).toThrow(RangeError);
  });

  it("does not let a duplicated last leaf give the same root (unlike Bitcoin's tree)", () => {
    const three = LEAVES.slice(0, 3);
    expect(merkleRoot([...three, three[2] as Buffer]).equals(merkleRoot(three))).toBe(false);
  });
});

describe("RFC 9162 inclusion proofs", () => {
  it("produces and verifies the published audit paths", () => {
    for (const [leaf, size, path] of INCLUSION) {
      const index = leaf - 1;
      expect(hex(inclusionProof(LEAVES.slice(0, size), index)), `${leaf}/${size}`).toEqual(path);
      expect(verifyInclusion(LEAVES[index] as Buffer, index, size, bytes(path), root(size))).toBe(
        true,
      );
    }
  });

  it("proves every leaf of every tree up to 17 leaves", () => {
    const leaves = Array.from({ length: 17 }, (_, i) => leafHash(Buffer.from([i])));
    for (let size = 1; size <= 17; size++) {
      const tree = leaves.slice(0, size);
      const r = merkleRoot(tree);
      for (let i = 0; i < size; i++)
        expect(verifyInclusion(tree[i] as Buffer, i, size, inclusionProof(tree, i), r)).toBe(true);
    }
  });

  it("rejects the corrupted proofs of transparency-dev's verifierCheck", () => {
    const [leaf, size, path] = INCLUSION[1] as (typeof INCLUSION)[number];
    const index = leaf - 1;
    const proof = bytes(path);
    const good = LEAVES[index] as Buffer;
    const r = root(size);
    const flipped = proof.map((p, i) =>
      i === 1 ? Buffer.from(p.map((b, j) => (j === 0 ? b ^ 8 : b))) : p,
    );
    const probes: [number, number, Buffer, Buffer[], Buffer][] = [
      [index - 1, size, good, proof, r],
      [index + 1, size, good, proof, r],
      [index ^ 2, size, good, proof, r],
      [index, size * 2, good, proof, r],
      [index, size / 2, good, proof, r],
      [index, size, Buffer.from("WrongLeaf"), proof, r],
      [index, size, good, proof, Buffer.from(EMPTY_ROOT_HEX, "hex")],
      [index, size, good, [...proof, Buffer.alloc(0)], r],
      [index, size, good, [...proof, r], r],
      [index, size, good, [r, ...proof], r],
      [index, size, good, proof.slice(0, -1), r],
      [index, size, good, flipped, r],
    ];
    for (const [i, n, l, p, rt] of probes) expect(verifyInclusion(l, i, n, p, rt)).toBe(false);
  });

  it("refuses an index outside the tree", () => {
    expect(() => inclusionProof(LEAVES, 8)).toThrow(RangeError);
    expect(() => inclusionProof(LEAVES, -1)).toThrow(RangeError);
    expect(verifyInclusion(LEAVES[0] as Buffer, 0, 0, [], root(1))).toBe(false);
  });
});

describe("RFC 9162 consistency proofs", () => {
  it("produces and verifies the published consistency proofs", () => {
    for (const [size1, size2, path] of CONSISTENCY) {
      expect(hex(consistencyProof(LEAVES.slice(0, size2), size1)), `${size1}→${size2}`).toEqual(
        path,
      );
      expect(verifyConsistency(size1, size2, bytes(path), root(size1), root(size2))).toBe(true);
    }
  });

  it("proves every prefix of every tree up to 17 leaves and rejects a bit flip", () => {
    const leaves = Array.from({ length: 17 }, (_, i) => leafHash(Buffer.from([i, i])));
    for (let size2 = 1; size2 <= 17; size2++) {
      const r2 = merkleRoot(leaves.slice(0, size2));
      for (let size1 = 1; size1 < size2; size1++) {
        const r1 = merkleRoot(leaves.slice(0, size1));
        const proof = consistencyProof(leaves.slice(0, size2), size1);
        expect(verifyConsistency(size1, size2, proof, r1, r2), `${size1}→${size2}`).toBe(true);
        const bad = proof.map((p, i) =>
          i === 0 ? Buffer.from(p.map((b, j) => (j === 0 ? b ^ 16 : b))) : p,
        );
        expect(verifyConsistency(size1, size2, bad, r1, r2)).toBe(false);
        expect(verifyConsistency(size1, size2, proof, r2, r1)).toBe(false);
      }
    }
  });

  it("follows transparency-dev's rules for trivial sizes", () => {
    const a = Buffer.from("don't care 1");
    const b = Buffer.from("don't care 2");
    expect(verifyConsistency(0, 0, [], a, a)).toBe(true);
    expect(verifyConsistency(0, 1, [], a, b)).toBe(true);
    expect(verifyConsistency(0, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 2, [], a, b)).toBe(false);
    const empty = Buffer.from(EMPTY_ROOT_HEX, "hex");
    expect(verifyConsistency(1, 1, [empty], empty, empty)).toBe(false);
  });

  it("agrees with nodeHash on how a two-leaf tree is built", () => {
    expect(
      merkleRoot(LEAVES.slice(0, 2)).equals(nodeHash(LEAVES[0] as Buffer, LEAVES[1] as Buffer)),
    ).toBe(true);
  });
});
