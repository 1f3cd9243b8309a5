import { describe, expect, it } from "vitest";
import { z, ZodError } from "zod";
import { isRunServiceError, RunServiceError, type Briefing } from "../graph/index.js";
import { MarketDataError } from "../market/index.js";
import { invalidInput, isToolError, ToolError } from "../tools/index.js";
import { briefingText } from "./briefing-pool.js";
import { fromWire, toWire } from "./briefing-wire.js";
import { apiErrorOf } from "./error-map.js";

/** A failure after a trip through postMessage's structured clone, as a briefing worker sends it. */
const acrossThreads = (error: unknown): Error => fromWire(structuredClone(toWire(error)));

const zodError = (): ZodError => {
  const r = z.strictObject({ asOf: z.string() }).safeParse({ asOf: 1 });
  if (r.success) throw new Error("expected a failure");
  return r.error;
};

describe("a briefing's failure crossing from a worker to the server thread", () => {
  const cases: [string, () => unknown][] = [
    ["a tool's invalid input", () => invalidInput("asOf", "must be a date YYYY-MM-DD")],
    ["a tool's numerical failure", () => new ToolError("NUMERICAL", "covariance", "not PSD")],
    [
      "a run-service refusal",
      () => new RunServiceError("NOT_AWAITING_APPROVAL", "run r-1 is released", "r-1", "released"),
    ],
    ["a run-service 404", () => new RunServiceError("RUN_NOT_FOUND", "no run r-2", "r-2", null)],
    [
      "a market-data failure",
      () => new MarketDataError("UNKNOWN_SYMBOL", "no such symbol ZZZZ", "symbols[0]"),
    ],
    ["a zod failure", zodError],
  ];
  for (const [name, make] of cases) {
    it(`${name} answers exactly as it would in the server's thread`, () => {
      const original = make();
      const arrived = acrossThreads(original);
      expect(arrived.constructor.name).toBe((original as Error).constructor.name);
      expect(arrived.message).toBe((original as Error).message);
      const a = apiErrorOf(original);
      const b = apiErrorOf(arrived);
      expect(a).not.toBeNull();
      expect(b?.code).toBe(a?.code);
      expect(b?.status).toBe(a?.status);
      expect(b?.message).toBe(a?.message);
      expect(b?.details).toEqual(a?.details);
    });
  }

  it("keeps a tool error's code and field (its message is not prefixed twice)", () => {
    const arrived = acrossThreads(invalidInput("seed", "must be an integer"));
    expect(isToolError(arrived)).toBe(true);
    expect(arrived).toMatchObject({ code: "INVALID_INPUT", field: "seed" });
    expect(arrived.message).toBe("seed: must be an integer");
  });

  it("keeps a run-service error's run and status", () => {
    const arrived = acrossThreads(new RunServiceError("EXPIRED", "expired", "r-9", "expired"));
    expect(isRunServiceError(arrived)).toBe(true);
    expect(arrived).toMatchObject({ code: "EXPIRED", runId: "r-9", status: "expired" });
  });

  it("anything else arrives as a plain Error with its name and message (an internal error)", () => {
    const boom = new TypeError("x is not a function");
    const arrived = acrossThreads(boom);
    expect(arrived).toBeInstanceOf(Error);
    expect(arrived.name).toBe("TypeError");
    expect(arrived.message).toBe("x is not a function");
    expect(apiErrorOf(arrived)).toBeNull();
    expect(acrossThreads("a string").message).toBe("a string");
  });

  it("a zod failure keeps its issues (the field at fault)", () => {
    const arrived = acrossThreads(zodError());
    expect(arrived).toBeInstanceOf(ZodError);
    expect((arrived as ZodError).issues[0]?.path).toEqual(["asOf"]);
  });
});

describe("briefingText (what a worker sends back)", () => {
  it("carries the briefing's JSON as UTF-8 bytes (transferable), its status and the failed checks' codes for the metrics", () => {
    const briefing = {
      runId: "r-1",
      status: "blocked",
      checks: [
        { code: "PRICE_STALE", severity: "hard", passed: false, message: "stale" },
        { code: "DUST_TRADE", severity: "soft", passed: true, message: "ok" },
        { code: "CASH_BUFFER", severity: "soft", passed: false, message: "low" },
      ],
      narrative: undefined,
    } as unknown as Briefing;
    const sent = briefingText(briefing);
    // As a worker posts it: the bytes' buffer transferred, so the sender's copy is emptied.
    const text = structuredClone(sent, { transfer: [sent.body.buffer] });
    expect(sent.body.byteLength).toBe(0);
    const json = new TextDecoder().decode(text.body);
    expect(text.status).toBe("blocked");
    expect(text.failedChecks).toEqual([
      { code: "PRICE_STALE", severity: "hard" },
      { code: "CASH_BUFFER", severity: "soft" },
    ]);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(briefing)));
    expect(json).not.toContain("narrative");
  });
});
