import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createAuditLog,
  createMemoryBackend,
  createSigner,
  type AuditStore,
} from "../audit/index.js";
import { isToolError } from "../tools/index.js";
import { savePortfolio, type PortfolioServiceDeps } from "./portfolio-service.js";
import { isPortfolioStoreError, type PortfolioStore } from "./portfolio-store.js";
import { openSqlitePortfolioStore } from "./portfolio-store-sqlite.js";

const T0 = "2024-01-02T10:00:00.000Z";
const T1 = "2024-01-02T10:05:00.000Z";

/** A minimal valid body (as a client sends it: defaults omitted). */
function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "alpha",
    name: "Alpha",
    baseCurrency: "USD",
    cash: 1000,
    holdings: [{ symbol: "AAA", quantity: 10 }],
    mandate: { objective: "target-weights", targetWeights: { AAA: 0.5 } },
    ...overrides,
  };
}

/** body() with every default written out, keys in UTF-16 order (RFC 8785), by hand. */
const canonicalWith = (cash: number, desk?: string): string =>
  `{"baseCurrency":"USD","cash":${cash},${desk === undefined ? "" : `"desk":"${desk}",`}` +
  '"holdings":[{"quantity":10,"symbol":"AAA"}],"id":"alpha",' +
  '"mandate":{"bounds":{"max":1,"min":0},"cashTarget":0.01,"costModel":{"defaultBps":10},' +
  '"driftMode":"absolute","driftThreshold":0.02,"lookbackDays":756,"minTradeNotional":0,' +
  '"objective":"target-weights","riskFree":0,"riskLimits":{},"targetWeights":{"AAA":0.5},' +
  '"turnoverLimit":0.25},"name":"Alpha","policyId":"default"}';
const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const PAT = { id: "pat", role: "pm" };

describe("savePortfolio", () => {
  let dir: string;
  let store: PortfolioStore;
  let audit: AuditStore;
  let now: string;
  let deps: PortfolioServiceDeps;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "steward-portfolio-service-"));
    store = openSqlitePortfolioStore(":memory:");
    const pem = generateKeyPairSync("ed25519")
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    audit = createAuditLog(createMemoryBackend(), {
      signer: createSigner(pem),
      checkpointDir: dir,
      clock: () => new Date(now),
    });
    now = T0;
    deps = { store, audit, clock: () => new Date(now) };
  });
  afterEach(async () => {
    await store.close();
    await audit.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function events() {
    return (await audit.readAll()).map((r) => r.event);
  }

  async function failure(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return "ok";
    } catch (error) {
      if (isToolError(error)) return `${error.code} ${error.field}`;
      if (isPortfolioStoreError(error)) return error.code;
      return "other";
    }
  }

  it("creates version 1 and audits portfolio.created with its hash", async () => {
    const saved = await savePortfolio(deps, { mode: "create", portfolio: body(), actor: PAT });
    const hash = sha256(canonicalWith(1000));
    expect(saved).toMatchObject({ portfolioId: "alpha", version: 1, desk: null, hash });
    expect(saved.createdAt).toBe(T0);
    expect(saved.createdBy).toBe("pat");
    expect(saved.portfolio.policyId).toBe("default");
    expect(await events()).toEqual([
      {
        eventId: "portfolio:alpha:v1",
        type: "portfolio.created",
        occurredAt: T0,
        actor: { kind: "human", id: "pat", role: "pm" },
        subject: { portfolioId: "alpha" },
        outcome: { status: "success" },
        payload: { version: 1, hash, desk: null },
      },
    ]);
  });

  it("updates to version 2 and audits portfolio.updated with the previous hash", async () => {
    await savePortfolio(deps, { mode: "create", portfolio: body(), actor: PAT });
    now = T1;
    const saved = await savePortfolio(deps, {
      mode: "update",
      portfolioId: "alpha",
      portfolio: body({ cash: 250, desk: "emea" }),
      actor: { id: "kim" },
      expectedVersion: 1,
    });
    const hash = sha256(canonicalWith(250, "emea"));
    expect(saved).toMatchObject({
      version: 2,
      desk: "emea",
      hash,
      createdAt: T1,
      createdBy: "kim",
    });
    const [, updated] = await events();
    expect(updated).toEqual({
      eventId: "portfolio:alpha:v2",
      type: "portfolio.updated",
      occurredAt: T1,
      actor: { kind: "human", id: "kim" },
      subject: { portfolioId: "alpha" },
      outcome: { status: "success" },
      payload: { version: 2, hash, desk: "emea", previousHash: sha256(canonicalWith(1000)) },
    });
    expect((await audit.verify()).ok).toBe(true);
  });

  it("names the first invalid field of the body and writes nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [body({ name: undefined }), "INVALID_INPUT portfolio.name"],
      [body({ owner: "x" }), "INVALID_INPUT portfolio.owner"],
      [
        body({
          holdings: [
            { symbol: "AAA", quantity: 1 },
            { symbol: "BBB", quantity: -1 },
          ],
        }),
        "INVALID_INPUT portfolio.holdings[1].quantity",
      ],
      [body({ id: "Not A Slug" }), "INVALID_INPUT portfolio.id"],
    ];
    for (const [portfolio, expected] of cases)
      expect(await failure(savePortfolio(deps, { mode: "create", portfolio, actor: PAT }))).toBe(
        expected,
      );
    expect(await failure(savePortfolio(deps, { mode: "create", portfolio: "x", actor: PAT }))).toBe(
      "INVALID_INPUT portfolio",
    );
    expect(await store.list()).toEqual([]);
    expect(await events()).toEqual([]);
  });

  it("refuses an update whose body names another portfolio (portfolio.id)", async () => {
    await savePortfolio(deps, { mode: "create", portfolio: body(), actor: PAT });
    const mismatch = savePortfolio(deps, {
      mode: "update",
      portfolioId: "beta",
      portfolio: body(),
      actor: PAT,
    });
    expect(await failure(mismatch)).toBe("INVALID_INPUT portfolio.id");
    expect((await store.versions("alpha")).length).toBe(1);
    expect(await events()).toHaveLength(1);
  });

  it("refuses a bad actor or expectedVersion before writing", async () => {
    const bad = [
      savePortfolio(deps, { mode: "create", portfolio: body(), actor: { id: "" } }),
      savePortfolio(deps, { mode: "create", portfolio: body(), actor: { id: "pat", role: "" } }),
      savePortfolio(deps, {
        mode: "create",
        portfolio: body(),
        actor: PAT,
        expectedVersion: 1,
      }),
      savePortfolio(deps, {
        mode: "update",
        portfolio: body(),
        actor: PAT,
        expectedVersion: -1,
      }),
    ];
    expect(await Promise.all(bad.map(failure))).toEqual([
      "INVALID_INPUT actor.id",
      "INVALID_INPUT actor.role",
      "INVALID_INPUT expectedVersion",
      "INVALID_INPUT expectedVersion",
    ]);
    expect(await store.list()).toEqual([]);
    expect(await events()).toEqual([]);
  });

  it("passes the store's refusals through and audits nothing for them", async () => {
    const update = { mode: "update", portfolio: body(), actor: PAT } as const;
    expect(await failure(savePortfolio(deps, update))).toBe("NOT_FOUND");
    await savePortfolio(deps, { mode: "create", portfolio: body(), actor: PAT });
    expect(
      await failure(savePortfolio(deps, { mode: "create", portfolio: body(), actor: PAT })),
    ).toBe("EXISTS");
    await savePortfolio(deps, update);
    expect(await failure(savePortfolio(deps, { ...update, expectedVersion: 1 }))).toBe(
      "VERSION_CONFLICT",
    );
    expect((await events()).map((e) => e.eventId)).toEqual([
      "portfolio:alpha:v1",
      "portfolio:alpha:v2",
    ]);
  });
});
