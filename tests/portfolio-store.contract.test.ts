import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PortfolioSchema, type Portfolio, type PortfolioInput } from "../governance/index.js";
import {
  isPortfolioStoreError,
  type PortfolioStore,
  type PortfolioStoreErrorCode,
} from "../graph/portfolio-store.js";
import { openPostgresPortfolioStore } from "../graph/portfolio-store-postgres.js";
import {
  openSqlitePortfolioStore,
  SQLITE_PORTFOLIOS_FILE,
} from "../graph/portfolio-store-sqlite.js";
import { isToolError } from "../tools/index.js";
import { pgAvailable } from "./pg.js";
import { postgresStoreBackend, sqliteStoreBackend, type StoreBackend } from "./store-backends.js";

/**
 * One contract, both backends (SQLite in a temp file, PostgreSQL in a fresh schema). Expected
 * values are the hand-written portfolios put in; the hash reference is SHA-256 over canonical
 * JSON written out by hand (keys sorted, defaults spelled out).
 */

type Backend = StoreBackend<PortfolioStore>;

const sqliteBackend = (): Backend =>
  sqliteStoreBackend("steward-portfolios-", SQLITE_PORTFOLIOS_FILE, openSqlitePortfolioStore);
const postgresBackend = (): Backend =>
  postgresStoreBackend("portfolio_store", (url) =>
    openPostgresPortfolioStore({ connectionString: url }),
  );

const T0 = "2024-01-02T10:00:00.000Z";
const T1 = "2024-01-02T11:00:00.000Z";

function input(id: string, overrides: Partial<PortfolioInput> = {}): PortfolioInput {
  return {
    id,
    name: "Alpha",
    baseCurrency: "USD",
    cash: 1000,
    holdings: [{ symbol: "AAA", quantity: 10 }],
    mandate: { objective: "target-weights", targetWeights: { AAA: 0.5 } },
    ...overrides,
  };
}

function book(id: string, overrides: Partial<PortfolioInput> = {}): Portfolio {
  return PortfolioSchema.parse(input(id, overrides));
}

/** input("alpha") with every default written out, keys in UTF-16 order, no whitespace. */
const ALPHA_CANONICAL =
  '{"baseCurrency":"USD","cash":1000,"holdings":[{"quantity":10,"symbol":"AAA"}],"id":"alpha",' +
  '"mandate":{"bounds":{"max":1,"min":0},"cashTarget":0.01,"costModel":{"defaultBps":10},' +
  '"driftMode":"absolute","driftThreshold":0.02,"lookbackDays":756,"minTradeNotional":0,' +
  '"objective":"target-weights","riskFree":0,"riskLimits":{},"targetWeights":{"AAA":0.5},' +
  '"turnoverLimit":0.25},"name":"Alpha","policyId":"default"}';

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

async function codeOf(
  promise: Promise<unknown>,
): Promise<PortfolioStoreErrorCode | "ok" | "other"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return isPortfolioStoreError(error) ? error.code : "other";
  }
}

function contract(name: string, makeBackend: () => Backend, enabled: boolean): void {
  describe.runIf(enabled)(`portfolio store contract: ${name}`, () => {
    let backend: Backend;
    let store: PortfolioStore;
    const others: PortfolioStore[] = [];

    beforeEach(async () => {
      backend = makeBackend();
      store = await backend.open();
    });
    afterEach(async () => {
      for (const other of others.splice(0)) await other.close();
      await store.close();
      await backend.cleanup();
    });

    it("creates version 1 with defaults applied and the hash of the canonical JSON", async () => {
      const saved = await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      const expected = {
        portfolioId: "alpha",
        version: 1,
        desk: null,
        portfolio: JSON.parse(ALPHA_CANONICAL) as unknown,
        hash: sha256(ALPHA_CANONICAL),
        createdAt: T0,
        createdBy: "pat",
      };
      expect(saved).toEqual(expected);
      expect(await store.get("alpha")).toEqual(expected);
      expect(await store.get("alpha", 1)).toEqual(expected);
      expect(await store.versions("alpha")).toEqual([expected]);
    });

    it("returns null for an unknown id or version", async () => {
      await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      expect(await store.get("missing")).toBeNull();
      expect(await store.get("alpha", 2)).toBeNull();
      expect(await store.get("alpha", 0)).toBeNull();
      expect(await store.get("alpha", 1.5)).toBeNull();
      expect(await store.versions("missing")).toEqual([]);
    });

    it("refuses a second create of the same id (EXISTS) and keeps the first", async () => {
      await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      const again = store.create({
        portfolio: book("alpha", { cash: 5 }),
        createdBy: "kim",
        at: T1,
      });
      expect(await codeOf(again)).toBe("EXISTS");
      expect((await store.versions("alpha")).map((v) => [v.version, v.createdBy])).toEqual([
        [1, "pat"],
      ]);
    });

    it("updates to latest+1 and keeps every earlier version unchanged", async () => {
      const v1 = await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      const v2 = await store.update({
        portfolio: book("alpha", { cash: 2500.5, desk: "emea" }),
        createdBy: "kim",
        at: T1,
        expectedVersion: 1,
      });
      expect(v2).toMatchObject({
        portfolioId: "alpha",
        version: 2,
        desk: "emea",
        createdBy: "kim",
      });
      expect(v2.createdAt).toBe(T1);
      expect(v2.portfolio.cash).toBe(2500.5);
      expect(v2.hash).not.toBe(v1.hash);
      const v3 = await store.update({ portfolio: book("alpha"), createdBy: "pat", at: T1 });
      expect(v3.version).toBe(3);
      // the same body as version 1: the same hash
      expect(v3.hash).toBe(sha256(ALPHA_CANONICAL));
      expect(await store.get("alpha")).toEqual(v3);
      expect(await store.get("alpha", 1)).toEqual(v1);
      expect(await store.get("alpha", 2)).toEqual(v2);
      expect(await store.versions("alpha")).toEqual([v1, v2, v3]);
    });

    it("refuses an update of an unknown id (NOT_FOUND)", async () => {
      const update = store.update({ portfolio: book("ghost"), createdBy: "pat", at: T0 });
      expect(await codeOf(update)).toBe("NOT_FOUND");
      expect(await store.get("ghost")).toBeNull();
    });

    it("refuses a stale expectedVersion (VERSION_CONFLICT) and writes nothing", async () => {
      await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      await store.update({ portfolio: book("alpha", { cash: 1 }), createdBy: "pat", at: T0 });
      for (const expectedVersion of [1, 3]) {
        const stale = store.update({
          portfolio: book("alpha", { cash: 2 }),
          createdBy: "kim",
          at: T1,
          expectedVersion,
        });
        expect(await codeOf(stale)).toBe("VERSION_CONFLICT");
      }
      expect((await store.versions("alpha")).map((v) => v.portfolio.cash)).toEqual([1000, 1]);
    });

    it("lets exactly one of several concurrent writers take the same version", async () => {
      await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      const other = await backend.reopen();
      others.push(other);
      const writers = [store, other, store, other].map((s, i) =>
        codeOf(
          s.update({
            portfolio: book("alpha", { cash: 10 + i }),
            createdBy: `w${i}`,
            at: T1,
            expectedVersion: 1,
          }),
        ),
      );
      const codes = await Promise.all(writers);
      expect(codes.filter((c) => c === "ok")).toHaveLength(1);
      expect(codes.filter((c) => c === "VERSION_CONFLICT")).toHaveLength(3);
      const versions = await other.versions("alpha");
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      // the stored version 2 is the winner's
      const winner = codes.indexOf("ok");
      expect(versions[1]?.createdBy).toBe(`w${winner}`);
      expect(versions[1]?.portfolio.cash).toBe(10 + winner);
    });

    it("never writes two versions with the same number without expectedVersion", async () => {
      await store.create({ portfolio: book("alpha"), createdBy: "pat", at: T0 });
      const other = await backend.reopen();
      others.push(other);
      const codes = await Promise.all(
        [store, other, store, other, store, other].map((s, i) =>
          codeOf(s.update({ portfolio: book("alpha", { cash: i }), createdBy: "w", at: T1 })),
        ),
      );
      expect(codes.every((c) => c === "ok" || c === "VERSION_CONFLICT")).toBe(true);
      const ok = codes.filter((c) => c === "ok").length;
      expect(ok).toBeGreaterThanOrEqual(1);
      const versions = (await store.versions("alpha")).map((v) => v.version);
      expect(versions).toEqual(Array.from({ length: ok + 1 }, (_, i) => i + 1));
    });

    it("lists the latest version of each portfolio in bytewise id order, paged", async () => {
      // bytewise: "-" (0x2d) < "0" (0x30) < "b" (0x62)
      for (const id of ["ab", "a-b", "a0", "zz"])
        await store.create({ portfolio: book(id), createdBy: "pat", at: T0 });
      await store.update({ portfolio: book("a0", { cash: 7 }), createdBy: "kim", at: T1 });
      const ids = async (q: Parameters<PortfolioStore["list"]>[0]) =>
        (await store.list(q)).map((v) => `${v.portfolioId}@${v.version}`);
      expect(await ids(undefined)).toEqual(["a-b@1", "a0@2", "ab@1", "zz@1"]);
      expect(await ids({ ids: "*" })).toEqual(["a-b@1", "a0@2", "ab@1", "zz@1"]);
      expect(await ids({ ids: ["zz", "a0", "nope"] })).toEqual(["a0@2", "zz@1"]);
      expect(await ids({ ids: [] })).toEqual([]);
      expect(await ids({ limit: 2 })).toEqual(["a-b@1", "a0@2"]);
      expect(await ids({ limit: 2, after: "a0" })).toEqual(["ab@1", "zz@1"]);
      expect(await ids({ after: "zz" })).toEqual([]);
      expect(await ids({ ids: ["ab", "zz"], after: "a0", limit: 1 })).toEqual(["ab@1"]);
      expect(await ids({ limit: 10_000 })).toHaveLength(4);
      expect((await store.list({ ids: ["a0"] }))[0]?.portfolio.cash).toBe(7);
    });

    it("refuses a bad limit, time or author naming the field, writing nothing", async () => {
      const fieldOf = async (promise: Promise<unknown>): Promise<string> => {
        try {
          await promise;
          return "ok";
        } catch (error) {
          return isToolError(error) ? error.field : "other";
        }
      };
      expect(await fieldOf(store.list({ limit: 0 }))).toBe("limit");
      expect(await fieldOf(store.list({ limit: 1.5 }))).toBe("limit");
      const p = book("alpha");
      expect(
        await fieldOf(store.create({ portfolio: p, createdBy: "pat", at: "2024-01-02" })),
      ).toBe("at");
      expect(await fieldOf(store.create({ portfolio: p, createdBy: "", at: T0 }))).toBe(
        "createdBy",
      );
      await store.create({ portfolio: p, createdBy: "pat", at: T0 });
      expect(
        await fieldOf(store.update({ portfolio: p, createdBy: "pat", at: T0, expectedVersion: 0 })),
      ).toBe("expectedVersion");
      expect((await store.versions("alpha")).map((v) => v.version)).toEqual([1]);
    });

    it("keeps versions across a reopen (another process), text exactly", async () => {
      const p = book("alpha", { name: "Bücher é ünïcode 📈", desk: "apac" });
      const saved = await store.create({ portfolio: p, createdBy: "pat", at: T0 });
      const other = await backend.reopen();
      others.push(other);
      expect(await other.get("alpha")).toEqual(saved);
      expect(saved.portfolio).toEqual(p);
      expect(saved.desk).toBe("apac");
    });
  });
}

contract("sqlite", sqliteBackend, true);
contract("postgres", postgresBackend, pgAvailable);
