import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StewardCheckpointSerializer } from "./checkpoint-serde.js";

// The reference is LangGraph's own serializer: the fast path must write the bytes it writes and
// read back what it reads back, for plain data and for everything its replacer and reviver handle.
const reference = new JsonPlusSerializer();
const steward = new StewardCheckpointSerializer();

const special = fc.oneof(
  fc.constant(undefined),
  fc.constant(new Map([["a", 1]])),
  fc.constant(new Set([1, 2])),
  fc.constant(new Error("boom")),
  fc.constant(Uint8Array.of(1, 2, 3)),
  fc.constant({ lg_name: "Send", node: "n", args: { x: 1 } }),
  fc.constant({ lc: 2, type: "undefined" }),
  fc.constant({ lc: 1, type: "not_implemented", id: ["x"] }),
  fc.constant(Number.NaN),
  fc.constant(new Date(Date.UTC(2024, 0, 2))),
);

const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    special,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
  ),
})).value;

async function roundTrips(value: unknown): Promise<void> {
  const [type, bytes] = await steward.dumpsTyped(value);
  const [refType, refBytes] = await reference.dumpsTyped(value);
  expect(type).toBe(refType);
  expect(Buffer.from(bytes).equals(Buffer.from(refBytes))).toBe(true);
  expect(await steward.loadsTyped(type, bytes)).toEqual(await reference.loadsTyped(type, bytes));
}

describe("StewardCheckpointSerializer", () => {
  it("writes LangGraph's bytes and reads back its values, for plain and special data", async () => {
    await fc.assert(
      fc.asyncProperty(values, (value) => roundTrips({ v: value })),
      { numRuns: 400, seed: 2024 },
    );
  });

  it("takes the plain path for a run-like state and the reviver's for an undefined field", async () => {
    const state = {
      runId: "r-1",
      checks: { results: [{ code: "PRICE_STALE", passed: true, context: { ageWeekdays: 0 } }] },
      risk: { current: { volatility: 0.18, series: [0.01, -0.02, 1e-300] }, proposed: null },
    };
    await roundTrips(state);
    await roundTrips({ ...state, narrative: undefined });
    const [, bytes] = await steward.dumpsTyped({ ...state, narrative: undefined });
    expect(Buffer.from(bytes).toString()).toContain('"narrative":{"lc":2,"type":"undefined"}');
    expect(await steward.loadsTyped("json", bytes)).toHaveProperty("narrative", undefined);
  });

  it("sends an array with a hole through the reference path (it is written as an undefined record)", async () => {
    // eslint-disable-next-line no-sparse-arrays
    await roundTrips({ v: [1, , 3] });
  });

  it("refuses nothing the reference accepts: a cycle goes through the reference path", async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const [, bytes] = await steward.dumpsTyped(cyclic);
    const [, refBytes] = await reference.dumpsTyped(cyclic);
    expect(Buffer.from(bytes).equals(Buffer.from(refBytes))).toBe(true);
  });
});
