import http from "node:http";
import net from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  examplePortfolio,
  startTestServer,
  tokenFor,
  type TestServer,
} from "./http-helpers.js";

/**
 * Malformed bodies over real HTTP: generated with fast-check (fixed seed) against a real loopback
 * server, on every route that takes a body. Every answer must be a 4xx with the API's error shape
 * and no stack trace, and nothing may change: no run, portfolio, portfolio version, decision or
 * audit record appears, and the run awaiting approval stays as it was.
 *
 * The generators only ever produce bodies that the documented request schemas refuse (a mutation
 * of a valid body is chosen so it breaks a stated rule: a required field dropped, an unknown field,
 * a wrong type, a number outside its documented range, …), so any 2xx is a finding.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Path = readonly (string | number)[];

/** How a body field is declared (from the route's documented request schema). */
interface Field {
  readonly path: Path;
  readonly kind: "number" | "integer" | "string" | "object" | "record" | "array";
  readonly required?: boolean;
  /** Numbers: documented bounds (values beyond them are refused). */
  readonly min?: number;
  readonly max?: number;
  /** Strings: longest accepted, and values the field refuses. */
  readonly maxLength?: number;
  readonly invalid?: readonly string[];
  /** Objects: the accepted keys (anything else is an unknown field). */
  readonly keys?: readonly string[];
  /** Arrays: fewest and most items accepted. */
  readonly minItems?: number;
  readonly maxItems?: number;
}

interface Case {
  /** What the case is, as fast-check prints a counterexample (bodies can be megabytes). */
  readonly label: string;
  /** null: no Content-Type header at all. */
  readonly contentType: string | null;
  /** null: no body at all. */
  readonly body: string | Uint8Array | null;
}

const SEED = 0x5eed_2026;
/** Generated cases per route; six routes, so 600 malformed requests in all. */
const RUNS_PER_ROUTE = 100;
const JSON_TYPE = "application/json";
/** Bare numbers JSON.parse reads as ±Infinity, spliced into the text in place of a marker. */
const RAW = (literal: string) => `@@raw:${literal}@@`;

const balanced = examplePortfolio() as JsonObject;

// ------------------------------------------------------------------------------------------------
// Field declarations, written from governance/portfolio.ts, server/routes-runs.ts and
// server/stateless-rebalance-schema.ts as documented (not derived from the schemas at run time).

const SYMBOL_INVALID = ["", "A B", "<script>", "AAPL;DROP", "ÄPFEL", "a\u0000b"];
const SLUG_INVALID = ["", "Balanced", "-x", "a b", "a_b", "../etc", "ü"];

function portfolioFields(p: Path): Field[] {
  const m = [...p, "mandate"];
  return [
    {
      path: p,
      kind: "object",
      required: true,
      keys: [
        "id",
        "name",
        "baseCurrency",
        "cash",
        "holdings",
        "mandate",
        "policyId",
        "desk",
        "asOf",
      ],
    },
    { path: [...p, "id"], kind: "string", required: true, maxLength: 64, invalid: SLUG_INVALID },
    { path: [...p, "name"], kind: "string", required: true, maxLength: 200, invalid: [""] },
    {
      path: [...p, "baseCurrency"],
      kind: "string",
      required: true,
      maxLength: 3,
      invalid: ["", "usd", "US", "USDX", "€€€"],
    },
    { path: [...p, "cash"], kind: "number", required: true, min: 0 },
    { path: [...p, "holdings"], kind: "array", required: true, maxItems: 2000 },
    { path: [...p, "holdings", 0], kind: "object", keys: ["symbol", "quantity", "costBasis"] },
    {
      path: [...p, "holdings", 0, "symbol"],
      kind: "string",
      required: true,
      maxLength: 32,
      invalid: SYMBOL_INVALID,
    },
    { path: [...p, "holdings", 0, "quantity"], kind: "number", required: true, min: 0 },
    { path: [...p, "holdings", 0, "costBasis"], kind: "number", min: 0 },
    {
      path: m,
      kind: "object",
      required: true,
      keys: [
        "objective",
        "targetWeights",
        "universe",
        "bounds",
        "assetClassBounds",
        "cashTarget",
        "targetVolatility",
        "targetReturn",
        "riskFree",
        "riskLimits",
        "driftThreshold",
        "driftMode",
        "turnoverLimit",
        "costModel",
        "minTradeNotional",
        "benchmark",
        "lookbackDays",
      ],
    },
    {
      path: [...m, "objective"],
      kind: "string",
      required: true,
      invalid: ["", "max_sharpe", "TARGET-WEIGHTS", "yolo"],
    },
    { path: [...m, "targetWeights"], kind: "record" },
    { path: [...m, "targetWeights", "AAPL"], kind: "number", min: 0, max: 1 },
    { path: [...m, "bounds"], kind: "object", keys: ["min", "max"] },
    { path: [...m, "bounds", "min"], kind: "number", required: true, min: 0, max: 1 },
    { path: [...m, "bounds", "max"], kind: "number", required: true, min: 0, max: 1 },
    { path: [...m, "cashTarget"], kind: "number", min: 0, max: 1 },
    { path: [...m, "riskFree"], kind: "number", min: -0.5, max: 0.5 },
    {
      path: [...m, "riskLimits"],
      kind: "object",
      keys: ["maxVolatility", "maxVar95", "maxTrackingError", "maxDrawdown"],
    },
    { path: [...m, "riskLimits", "maxVolatility"], kind: "number", min: 0 },
    { path: [...m, "riskLimits", "maxVar95"], kind: "number", min: 0 },
    { path: [...m, "driftThreshold"], kind: "number", min: 0, max: 1 },
    { path: [...m, "driftMode"], kind: "string", invalid: ["", "ABSOLUTE", "percent"] },
    { path: [...m, "turnoverLimit"], kind: "number", min: 0, max: 10 },
    { path: [...m, "costModel"], kind: "object", keys: ["defaultBps", "byAssetClass"] },
    { path: [...m, "costModel", "defaultBps"], kind: "number", min: 0, max: 1000 },
    { path: [...m, "minTradeNotional"], kind: "number", min: 0 },
    { path: [...m, "benchmark"], kind: "string", maxLength: 32, invalid: SYMBOL_INVALID },
    { path: [...m, "lookbackDays"], kind: "integer", min: 63, max: 7560 },
    { path: [...p, "policyId"], kind: "string", maxLength: 64, invalid: SLUG_INVALID },
    { path: [...p, "desk"], kind: "string", maxLength: 64, invalid: [""] },
    {
      path: [...p, "asOf"],
      kind: "string",
      maxLength: 10,
      invalid: ["", "2018-4-11", "11/04/2018", "yesterday"],
    },
  ];
}

const INSIGHTS_FIELDS: Field[] = [
  {
    path: [],
    kind: "object",
    keys: ["portfolioId", "portfolio", "asOf", "data", "scenario", "seed"],
  },
  // The base body has `portfolio`: adding `portfolioId` breaks "exactly one of the two".
  { path: ["portfolioId"], kind: "string", maxLength: 64, invalid: [...SLUG_INVALID, "balanced"] },
  {
    path: ["asOf"],
    kind: "string",
    maxLength: 10,
    invalid: ["", "2018-4-11", "2018-04-11T00:00:00Z", "yesterday"],
  },
  {
    path: ["data"],
    kind: "string",
    invalid: ["", "SAMPLE", "live", "csv:/etc", "csv:market/data"],
  },
  // `scenario` is refused unless data is "simulated", which the base body does not set.
  { path: ["scenario"], kind: "string", maxLength: 64, invalid: ["", "crash-2008"] },
  { path: ["seed"], kind: "integer", min: 0, max: 2 ** 31 - 1 },
  ...portfolioFields(["portfolio"])
    .slice(0, 1)
    .map((f) => ({ ...f, required: true })),
  ...portfolioFields(["portfolio"]).slice(1),
];

const REBALANCE_FIELDS: Field[] = [
  {
    path: [],
    kind: "object",
    keys: [
      "portfolio_value",
      "drift_threshold",
      "turnover_limit",
      "transaction_cost_bps",
      "assets",
      "periods_per_year",
      "risk_aversion",
    ],
  },
  { path: ["portfolio_value"], kind: "number", required: true, min: 0, max: 1e15 },
  { path: ["drift_threshold"], kind: "number", required: true, min: 0, max: 1 },
  { path: ["turnover_limit"], kind: "number", required: true, min: 0 },
  { path: ["transaction_cost_bps"], kind: "number", required: true, min: 0, max: 1000 },
  { path: ["assets"], kind: "array", required: true, minItems: 1, maxItems: 500 },
  { path: ["periods_per_year"], kind: "number", min: 1, max: 100_000 },
  { path: ["risk_aversion"], kind: "number", min: 0, max: 1000 },
  {
    path: ["assets", 0],
    kind: "object",
    keys: [
      "asset",
      "target_weight",
      "current_weight",
      "market_return",
      "price",
      "historical_returns",
      "asset_class",
      "lot_size",
    ],
  },
  {
    path: ["assets", 0, "asset"],
    kind: "string",
    required: true,
    maxLength: 32,
    invalid: SYMBOL_INVALID,
  },
  { path: ["assets", 0, "target_weight"], kind: "number", required: true, min: 0, max: 1 },
  { path: ["assets", 0, "current_weight"], kind: "number", required: true, min: 0, max: 1 },
  { path: ["assets", 0, "market_return"], kind: "number", required: true, min: -1, max: 100 },
  { path: ["assets", 0, "price"], kind: "number", required: true, min: 1e-8, max: 1e12 },
  {
    path: ["assets", 0, "historical_returns"],
    kind: "array",
    required: true,
    minItems: 2,
    maxItems: 10_000,
  },
  { path: ["assets", 0, "historical_returns", 0], kind: "number", min: -1, max: 100 },
  { path: ["assets", 0, "asset_class"], kind: "string", invalid: ["", "Equity", "stocks"] },
  { path: ["assets", 0, "lot_size"], kind: "number", min: 0, max: 1e9 },
];

function decisionFields(reasonRequired: boolean, hash: string): Field[] {
  return [
    { path: [], kind: "object", keys: ["reason", "acknowledgements", "proposalHash"] },
    {
      path: ["reason"],
      kind: "string",
      required: reasonRequired,
      maxLength: 2000,
      invalid: ["", "   ", "\n\t"],
    },
    { path: ["acknowledgements"], kind: "array", maxItems: 100 },
    {
      path: ["acknowledgements", 0],
      kind: "string",
      maxLength: 64,
      invalid: ["", "lowercase", "HAS SPACE", "É"],
    },
    {
      path: ["proposalHash"],
      kind: "string",
      maxLength: 64,
      invalid: ["", "abc", hash.toUpperCase(), `${hash}0`, "g".repeat(64)],
    },
  ];
}

// ------------------------------------------------------------------------------------------------
// Mutations

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

function getAt(root: Json, p: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const key of p) {
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node)
      ? typeof key === "number"
        ? node[key]
        : undefined
      : (node as JsonObject)[String(key)];
  }
  return node;
}

/** A copy of `root` with `value` at `p` (undefined: the key removed); `p` = [] replaces the body. */
function setAt(root: Json, p: Path, value: Json | undefined): Json | undefined {
  if (p.length === 0) return value;
  const out = clone(root);
  let node: Json = out;
  for (const key of p.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node)
      ? node[key as number]
      : (node as JsonObject)[String(key)];
    if (next === undefined || next === null || typeof next !== "object")
      throw new Error(`no container at ${p.join(".")}`);
    node = next;
  }
  const last = p[p.length - 1] as string | number;
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(last as number, 1);
    else node[last as number] = value;
  } else if (value === undefined) Reflect.deleteProperty(node as JsonObject, String(last));
  // defineProperty, so "__proto__" becomes an own key of the body rather than its prototype.
  else
    Object.defineProperty(node, String(last), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function nested(depth: number, arrays: boolean): Json {
  let v: Json = arrays ? [] : {};
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

const anyString = fc.string({ maxLength: 20 });
const smallObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 });
const smallArray = fc.array(fc.integer(), { maxLength: 3 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

/** A value of another JSON type than the field's. */
function wrongType(kind: Field["kind"]): fc.Arbitrary<Json> {
  const others: fc.Arbitrary<Json>[] = [fc.constant(null), fc.boolean()];
  if (kind !== "number" && kind !== "integer") others.push(finite);
  if (kind !== "string") others.push(anyString);
  if (kind !== "object" && kind !== "record") others.push(smallObject);
  if (kind !== "array") others.push(smallArray);
  return fc.oneof(...others);
}

interface Mutation {
  readonly label: string;
  readonly path: Path;
  /** The new value at `path`; undefined removes the key. */
  readonly value: Json | undefined;
}

function mutationsOf(field: Field, base: Json): fc.Arbitrary<Mutation>[] {
  const where = field.path.join(".") || "body";
  const at = (label: string, value: fc.Arbitrary<Json | undefined>): fc.Arbitrary<Mutation> =>
    value.map((v) => ({ label: `${label} at ${where}`, path: field.path, value: v }));
  const current = getAt(base, field.path) ?? null;
  const out: fc.Arbitrary<Mutation>[] = [at("wrong type", wrongType(field.kind))];
  out.push(
    at(
      "deeply nested",
      fc.integer({ min: 20, max: 3000 }).map((d) => nested(d, field.kind === "array")),
    ),
  );
  if (field.required === true && field.path.length > 0)
    out.push(at("required field dropped", fc.constant(undefined)));
  if (field.kind === "object" || field.kind === "record") {
    out.push(at("array instead of an object", fc.constantFrom<Json>([], [current])));
  }
  if (field.kind === "object") {
    const keys = field.keys ?? [];
    const unknownKey = fc
      .oneof(
        fc.constantFrom(
          "__proto__",
          "constructor",
          "status",
          "approvedBy",
          "version",
          "createdBy",
          "",
        ),
        fc.string({ maxLength: 12 }),
      )
      .filter((k) => !keys.includes(k));
    out.push(
      fc.tuple(unknownKey, fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => ({
        label: `unknown field "${k}" at ${where}`,
        path: field.path,
        value: setAt(current, [k], v as Json),
      })),
    );
  }
  if (field.kind === "number" || field.kind === "integer") {
    out.push(
      at(
        "NaN-ish string",
        fc.constantFrom("NaN", "Infinity", "-Infinity", "1e308", "0x1F", "", " 42 ", "1_000", "-0"),
      ),
    );
    out.push(at("number JSON reads as ±Infinity", fc.constantFrom(RAW("1e999"), RAW("-1e999"))));
    if (field.max !== undefined)
      out.push(at("huge number", fc.constantFrom(1e308, Number.MAX_VALUE)));
    else if (field.min !== undefined) out.push(at("huge negative number", fc.constant(-1e308)));
    if (field.min !== undefined && field.min >= 0)
      out.push(at("negative number", fc.double({ min: -1e12, max: -1e-9, noNaN: true })));
  }
  if (field.kind === "integer") {
    const lo = field.min ?? 0;
    out.push(
      at(
        "fraction for an integer",
        fc.integer({ min: lo, max: lo + 1000 }).map((n) => n + 0.5),
      ),
    );
  }
  if (field.kind === "string") {
    if (field.invalid !== undefined && field.invalid.length > 0)
      out.push(at("invalid string", fc.constantFrom(...field.invalid)));
    if (field.maxLength !== undefined) {
      const n = field.maxLength;
      out.push(
        at(
          "very long string",
          fc
            .oneof(fc.integer({ min: n + 1, max: n + 5000 }), fc.constant(1_100_000))
            .map((len) => "x".repeat(len)),
        ),
      );
    }
  }
  if (field.kind === "array") {
    if (field.minItems !== undefined && field.minItems > 0)
      out.push(at("too few items", fc.constant([])));
    const first = Array.isArray(current) ? current[0] : undefined;
    if (field.maxItems !== undefined && first !== undefined)
      out.push(
        at(
          "too many items",
          fc.constant(Array.from({ length: (field.maxItems ?? 0) + 1 }, () => first)),
        ),
      );
    out.push(at("object instead of an array", smallObject));
  }
  return out;
}

function serialise(body: Json | undefined): string {
  return JSON.stringify(body ?? null).replace(/"@@raw:([^@"]+)@@"/g, "$1");
}

function notJson(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

const utf8 = new TextDecoder();

/** A case that fast-check prints by its label, content type and size rather than its body. */
function labelled(c: Case): Case {
  const size =
    c.body === null
      ? "no body"
      : `${c.body.length} ${typeof c.body === "string" ? "chars" : "bytes"}`;
  const head = typeof c.body === "string" ? ` ${JSON.stringify(c.body.slice(0, 120))}` : "";
  return Object.assign(c, {
    [fc.toStringMethod]: () => `${c.label} [${c.contentType ?? "no Content-Type"}, ${size}]${head}`,
  });
}

/** Every kind of malformed request for a route whose valid body is `base`. */
function casesFor(
  base: JsonObject,
  fields: readonly Field[],
  options: { emptyIsValid?: boolean } = {},
): fc.Arbitrary<Case> {
  const baseText = JSON.stringify(base);
  // Fields under a container the base body does not have (e.g. acknowledgements[0]) are skipped.
  const present = fields.filter(
    (f) => f.path.length === 0 || getAt(base, f.path.slice(0, -1)) !== undefined,
  );
  const topKeys = fields.find((f) => f.path.length === 0)?.keys ?? [];
  const asJson = (label: string, text: string): Case => ({
    label,
    contentType: JSON_TYPE,
    body: text,
  });

  const mutated = fc
    .constantFrom(...present)
    .chain((field) => fc.oneof(...mutationsOf(field, base)))
    .map((m) => asJson(m.label, serialise(setAt(base, m.path, m.value))));

  // Arbitrary JSON; objects made only of the route's own keys could be valid and are left to the
  // mutations above.
  const arbitrary = fc
    .jsonValue({ maxDepth: 4 })
    .filter(
      (v) =>
        v === null ||
        typeof v !== "object" ||
        Array.isArray(v) ||
        !Object.keys(v).every((k) => topKeys.includes(k)),
    )
    .map((v) => asJson("arbitrary JSON value", JSON.stringify(v)));

  const invalidJson = fc.oneof(
    fc
      .integer({ min: 1, max: baseText.length - 1 })
      .map((n) => asJson("truncated JSON", baseText.slice(0, n))),
    fc
      .constantFrom(
        baseText.replace(/}$/, ",}"),
        baseText.replace(/"/g, "'"),
        `// comment\n${baseText}`,
        `${baseText} trailing`,
        `${baseText}${baseText}`,
        '{"a": NaN}',
        '{"a": undefined}',
        "{a: 1}",
        '{"a":1,,}',
        '"unterminated',
        "[1, 2",
        "tru",
        '{"a":"\\x41"}',
        '{"a":"\\uZZZZ"}',
        "\u0000",
      )
      .map((t) => asJson("invalid JSON text", t)),
    fc
      .string({ unit: "binary", maxLength: 200 })
      .filter(notJson)
      .map((t) => asJson("random text", t)),
    fc
      .uint8Array({ minLength: 1, maxLength: 200 })
      .filter((b) => notJson(utf8.decode(b)))
      .map((b): Case => ({ label: "random bytes", contentType: JSON_TYPE, body: b })),
  );

  const wrongContentType = fc
    .oneof(
      fc.constantFrom<string | null>(
        null,
        "text/plain",
        "text/plain;charset=UTF-8",
        "text/html",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/octet-stream",
        "application/jsonp",
        "application/json5",
        "application/json;",
        "text/json",
        "json",
        "*/*",
      ),
      fc
        .tuple(
          fc.constantFrom("text", "application", "image", "x-custom"),
          fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/),
        )
        .map(([t, s]) => `${t}/${s}`)
        .filter((ct) => !/json|form/i.test(ct)),
    )
    .map((ct): Case => ({
      label: `valid body sent as ${ct ?? "no Content-Type"}`,
      contentType: ct,
      body: baseText,
    }));

  const empty = fc.constantFrom<Case>(
    { label: "empty JSON body", contentType: JSON_TYPE, body: "" },
    { label: "whitespace JSON body", contentType: JSON_TYPE, body: " \n\t " },
    { label: "empty text/plain body", contentType: "text/plain", body: "" },
    ...(options.emptyIsValid === true
      ? []
      : [{ label: "no body and no Content-Type", contentType: null, body: null } satisfies Case]),
  );

  return fc
    .oneof(
      { arbitrary: mutated, weight: 6 },
      { arbitrary, weight: 2 },
      { arbitrary: invalidJson, weight: 2 },
      { arbitrary: wrongContentType, weight: 1 },
      { arbitrary: empty, weight: 1 },
    )
    .map(labelled);
}

// ------------------------------------------------------------------------------------------------

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One request on its own connection (node:http, no keep-alive pool), so a case can neither
 * inherit nor leave behind connection state; the body is sent exactly as given, and a missing
 * Content-Type stays missing.
 */
function request(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | null,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    // An error after the answer arrived (the server closing early) changes nothing: resolve wins.
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

const STACK =
  /\bat [\w$.<>[\]]+ \(|\bat (file|node):|\.(ts|js|mjs|cjs):\d+:\d+|node_modules|\n\s+at /;

interface Snapshot {
  readonly runs: number;
  readonly awaiting: { status: string; proposalHash: string | null; decisions: number };
  readonly portfolios: number;
  readonly bookVersion: number;
  readonly auditSize: number;
}

describe("malformed bodies over HTTP (fast-check, fixed seed)", () => {
  let server: TestServer;
  let pm: string;
  let supervisor: string;
  let auditor: string;
  let awaitingRunId = "";
  let proposalHash = "";
  let spareRunId = "";
  let baseline: Snapshot;
  let sent = 0;
  const statuses = new Map<number, number>();
  const BOOK = "fuzz-book";

  async function brief(): Promise<{ runId: string; proposalHash: string }> {
    const res = await call(server.url, "POST", "/api/ai-copilot/insights", {
      token: pm,
      body: { portfolio: balanced },
    });
    expect(res.status).toBe(201);
    const b = res.body as {
      runId: string;
      status: string;
      approval: { request: { proposalHash: string } };
    };
    expect(b.status).toBe("awaiting_approval");
    return { runId: b.runId, proposalHash: b.approval.request.proposalHash };
  }

  async function snapshot(): Promise<Snapshot> {
    const [runs, run, portfolios, book, verify] = await Promise.all([
      call(server.url, "GET", "/api/runs?status=all", { token: auditor }),
      call(server.url, "GET", `/api/runs/${awaitingRunId}`, { token: auditor }),
      call(server.url, "GET", "/api/portfolios?limit=500", { token: auditor }),
      call(server.url, "GET", `/api/portfolios/${BOOK}`, { token: auditor }),
      call(server.url, "GET", "/api/audit/verify", { token: auditor }),
    ]);
    for (const r of [runs, run, portfolios, book, verify]) expect(r.status).toBe(200);
    const items = (
      runs.body as { items: { runId: string; status: string; proposalHash: string | null }[] }
    ).items;
    const mine = items.find((r) => r.runId === awaitingRunId);
    const briefing = run.body as { approval: { decisions: unknown[] } };
    const report = verify.body as { ok: boolean; size: number };
    expect(report.ok).toBe(true);
    return {
      runs: items.length,
      awaiting: {
        status: mine?.status ?? "missing",
        proposalHash: mine?.proposalHash ?? null,
        decisions: briefing.approval.decisions.length,
      },
      portfolios: (portfolios.body as { items: unknown[] }).items.length,
      bookVersion: (book.body as { version: number }).version,
      auditSize: report.size,
    };
  }

  beforeAll(async () => {
    server = await startTestServer({
      STEWARD_RATE_LIMIT_PER_MINUTE: "1000000",
      STEWARD_MAX_CONCURRENT_RUNS: "100",
    });
    pm = await tokenFor("pat", "pm");
    supervisor = await tokenFor("sam", "supervisor");
    auditor = await tokenFor("ann", "auditor");
    const created = await call(server.url, "POST", "/api/portfolios", {
      token: pm,
      body: { ...balanced, id: BOOK },
    });
    expect(created.status).toBe(201);
    ({ runId: awaitingRunId, proposalHash } = await brief());
    spareRunId = (await brief()).runId;
    baseline = await snapshot();
    expect(baseline.awaiting).toEqual({ status: "awaiting_approval", proposalHash, decisions: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  async function send(method: string, pathname: string, token: string, c: Case): Promise<void> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (c.contentType !== null) headers["content-type"] = c.contentType;
    const body = c.body === null ? null : typeof c.body === "string" ? Buffer.from(c.body) : c.body;
    const res = await request(`${server.url}${pathname}`, method, headers, body);
    const text = res.text;
    sent += 1;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const what = `${method} ${pathname} — ${c.label}: ${res.status} ${text.slice(0, 300)}`;
    expect(res.status, what).toBeGreaterThanOrEqual(400);
    expect(res.status, what).toBeLessThan(500);
    // Auth and rate refusals would mean validation was never reached (and are audited).
    expect([401, 403, 429], what).not.toContain(res.status);
    expect(res.headers["content-type"] ?? "", what).toContain("application/json");
    const parsed = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; details?: unknown };
    };
    expect(parsed.error, what).toBeTypeOf("object");
    expect(parsed.error?.code, what).toMatch(/^[A-Z_]+$/);
    expect(parsed.error?.message, what).toBeTypeOf("string");
    expect(String(parsed.error?.message).length, what).toBeGreaterThan(0);
    if (parsed.error?.code === "INVALID_INPUT")
      expect((parsed.error.details as { field?: unknown } | undefined)?.field, what).toBeTypeOf(
        "string",
      );
    expect(text, what).not.toMatch(STACK);
  }

  /** Sends every generated case and checks, after each one, that nothing changed. */
  async function fuzz(method: string, pathname: string, token: string, cases: fc.Arbitrary<Case>) {
    let before = await snapshot();
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        await send(method, pathname, token, c);
        const after = await snapshot();
        const previous = before;
        // Moved on before asserting, so a shrink run compares with the state it started from.
        before = after;
        expect(after, `state changed after ${method} ${pathname} — ${c.label}`).toEqual(previous);
      }),
      { seed: SEED, numRuns: RUNS_PER_ROUTE },
    );
  }

  it(
    "POST /api/ai-copilot/insights (pm): 4xx, no run started",
    () =>
      fuzz(
        "POST",
        "/api/ai-copilot/insights",
        pm,
        casesFor({ portfolio: balanced }, INSIGHTS_FIELDS),
      ),
    120_000,
  );

  it("POST /api/rebalance (pm): 4xx", async () => {
    const preview = await call(server.url, "GET", "/api/preview-scenarios", { token: pm });
    const base = (preview.body as { rebalanceRequest: JsonObject }).rebalanceRequest;
    // The preview's example is a valid request: the mutations start from a body that works.
    const ok = await call(server.url, "POST", "/api/rebalance", { token: pm, body: base });
    expect(ok.status).toBe(200);
    await fuzz("POST", "/api/rebalance", pm, casesFor(base, REBALANCE_FIELDS));
  }, 120_000);

  it(
    "POST /api/portfolios (pm): 4xx, no portfolio created",
    () =>
      fuzz(
        "POST",
        "/api/portfolios",
        pm,
        casesFor({ ...balanced, id: "fuzz-new" }, portfolioFields([])),
      ),
    120_000,
  );

  it(
    "PUT /api/portfolios/{id} (pm): 4xx, no new version",
    () =>
      fuzz(
        "PUT",
        `/api/portfolios/${BOOK}`,
        pm,
        casesFor({ ...balanced, id: BOOK }, portfolioFields([])),
      ),
    120_000,
  );

  it(
    "POST /api/runs/{id}/approve (supervisor): 4xx, the run still awaits approval",
    () =>
      fuzz(
        "POST",
        `/api/runs/${awaitingRunId}/approve`,
        supervisor,
        casesFor(
          { reason: "reviewed", acknowledgements: ["TURNOVER_WARNING"], proposalHash },
          decisionFields(false, proposalHash),
          // `{}` is a valid approval, and hono reads a missing body as `{}`: see the test below.
          { emptyIsValid: true },
        ),
      ),
    120_000,
  );

  it(
    "POST /api/runs/{id}/reject (supervisor): 4xx, the run still awaits approval",
    () =>
      fuzz(
        "POST",
        `/api/runs/${awaitingRunId}/reject`,
        supervisor,
        casesFor({ reason: "too much turnover", proposalHash }, decisionFields(true, proposalHash)),
      ),
    120_000,
  );

  it("sent at least 500 malformed requests and changed nothing overall", async () => {
    expect(sent).toBeGreaterThanOrEqual(500);
    // The generators reach both the media-type gate (415) and the body validation (400).
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(415) ?? 0).toBeGreaterThan(0);
    const end = await snapshot();
    expect(end).toEqual(baseline);
    expect(end.awaiting).toEqual({ status: "awaiting_approval", proposalHash, decisions: 0 });
  });

  it("refuses an approval that has no body at all (the request body is required)", async () => {
    const res = await fetch(`${server.url}/api/runs/${spareRunId}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${supervisor}` },
    });
    const text = await res.text();
    // No Content-Type: 415; JSON declared but nothing sent: 400. Neither approves.
    expect(res.status, text).toBe(415);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(
      "UNSUPPORTED_MEDIA_TYPE",
    );
    const empty = await fetch(`${server.url}/api/runs/${spareRunId}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${supervisor}`, "content-type": "application/json" },
    });
    const emptyText = await empty.text();
    expect(empty.status, emptyText).toBe(400);
    const run = await call(server.url, "GET", `/api/runs/${spareRunId}`, { token: auditor });
    expect((run.body as { status: string }).status).toBe("awaiting_approval");
  });

  it("keeps a connection usable after a 413, or answers the 413 with Connection: close", async () => {
    const socket = net.connect(Number(new URL(server.url).port), "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", () => undefined);
    const waitFor = async (done: () => boolean, ms: number): Promise<boolean> => {
      const end = Date.now() + ms;
      while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return done();
    };
    try {
      // The whole oversized body is sent, as a well-behaved client does.
      const size = server.config.bodyLimitBytes + 1024;
      socket.write(
        `POST /api/portfolios HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${pm}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(size, 0x20));
      const answered = () => {
        const end = received.indexOf("\r\n\r\n");
        const length = /content-length: (\d+)/i.exec(received.slice(0, end));
        return end >= 0 && length !== null && received.length >= end + 4 + Number(length[1]);
      };
      expect(await waitFor(answered, 5000)).toBe(true);
      expect(received).toMatch(/^HTTP\/1\.1 413 /);
      const closes = /\r\nconnection: close\r\n/i.test(received);
      if (closes) return;
      received = "";
      socket.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      const second = await waitFor(() => received.startsWith("HTTP/1.1 200 "), 3000);
      expect(
        second,
        "the 413 said keep-alive, but the next request on the connection got no answer",
      ).toBe(true);
    } finally {
      socket.destroy();
    }
  });
});
