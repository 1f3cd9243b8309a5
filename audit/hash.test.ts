import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  chainHashHex,
  HashChain,
  isHashHex,
  leafHash,
  leafHashHex,
  nodeHash,
  sha256Hex,
  ZERO_HASH_HEX,
} from "./hash.js";

// Reference values: transparency-dev/merkle rfc6962/rfc6962_test.go (TestRFC6962Hasher).
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; // echo -n | sha256sum
const EMPTY_LEAF = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"; // 00
const LEAF_L123456 = "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"; // 00 || "L123456"
const NODE_N123_N456 = "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"; // 01 || "N123" || "N456"

/** A deliberately naive second implementation: one createHash over the concatenated bytes. */
function naive(...parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return h.digest("hex");
}

describe("RFC 9162 hashes", () => {
  it("matches the RFC 6962 hasher vectors of transparency-dev/merkle", () => {
    expect(sha256Hex("")).toBe(EMPTY);
    expect(leafHashHex("")).toBe(EMPTY_LEAF);
    expect(leafHash("").toString("hex")).toBe(EMPTY_LEAF);
    expect(leafHashHex("L123456")).toBe(LEAF_L123456);
    expect(leafHash(Buffer.from("L123456")).toString("hex")).toBe(LEAF_L123456);
    expect(nodeHash(Buffer.from("N123"), Buffer.from("N456")).toString("hex")).toBe(NODE_N123_N456);
  });

  it("hashes the UTF-8 bytes of the canonical text after a 0x00 byte", () => {
    const text = '{"event":{"note":"€ – ü"},"seq":1}';
    expect(leafHashHex(text)).toBe(naive(Buffer.from([0]), Buffer.from(text, "utf8")));
  });

  it("chains as SHA-256(0x01 ‖ previous ‖ leaf) starting from 32 zero bytes", () => {
    const leaves = ["a", "b", "c"].map((t) => leafHashHex(t));
    let previous = Buffer.alloc(32);
    const chain = new HashChain();
    expect(chain.head).toBe(ZERO_HASH_HEX);
    for (const leaf of leaves) {
      const expected = naive(Buffer.from([1]), previous, Buffer.from(leaf, "hex"));
      expect(chainHashHex(previous.toString("hex"), leaf)).toBe(expected);
      expect(chain.pushHex(leaf)).toBe(expected);
      previous = Buffer.from(expected, "hex");
    }
    const again = new HashChain();
    for (const leaf of leaves) again.push(Buffer.from(leaf, "hex"));
    expect(again.head).toBe(chain.head);
    expect(new HashChain(leaves[0]).pushHex(leaves[1] as string)).toBe(
      chainHashHex(leaves[0] as string, leaves[1] as string),
    );
  });

  it("refuses chain inputs that are not 64 lowercase hex digits", () => {
    expect(() => chainHashHex("00", EMPTY_LEAF)).toThrow(RangeError);
    expect(() => chainHashHex(ZERO_HASH_HEX, EMPTY_LEAF.toUpperCase())).toThrow(RangeError);
    expect(() => new HashChain("xyz")).toThrow(RangeError);
    expect(isHashHex(EMPTY)).toBe(true);
    expect(isHashHex(`${EMPTY}0`)).toBe(false);
    expect(isHashHex(42)).toBe(false);
  });

  it("hashes any text as its UTF-8 bytes, short or longer than the scratch buffer", () => {
    const texts = [
      "Zoë 組合 😀", // 2-, 3- and 4-byte UTF-8
      "lone \ud800 surrogate", // encoded as U+FFFD (EF BF BD), as Buffer.from does
      "x".repeat(21_845), // the longest text the scratch always fits (3 bytes per code unit)
      "é".repeat(21_846), // one more: the fallback path
      "ü".repeat(70_000), // longer than the scratch itself
    ];
    for (const text of texts) {
      expect(leafHashHex(text), `${text.length} characters`).toBe(
        naive(Buffer.from([0]), Buffer.from(text, "utf8")),
      );
    }
    // Interleaving lengths reuses cached views without mixing them up.
    expect(leafHashHex("ab")).toBe(naive(Buffer.from([0]), "ab"));
    expect(leafHashHex("a")).toBe(naive(Buffer.from([0]), "a"));
  });
});
