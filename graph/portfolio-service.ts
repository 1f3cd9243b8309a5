import { z } from "zod";
import type { AuditEventInput, AuditStore } from "../audit/index.js";
import {
  isUnknownField,
  issueField,
  PortfolioSchema,
  type Portfolio,
} from "../governance/index.js";
import { invalidInput } from "../tools/index.js";
import {
  checkExpectedVersion,
  type PortfolioStore,
  type PortfolioVersion,
} from "./portfolio-store.js";

/**
 * Saving a portfolio through the API: validate the body, write a new immutable version, then
 * record it in the audit trail (portfolio.created / portfolio.updated) under a deterministic
 * event id, so a repeated append of the same version's event is a no-op. The store write comes
 * first: an event is only ever written for a version that exists.
 */

export interface PortfolioServiceDeps {
  readonly store: PortfolioStore;
  readonly audit: AuditStore;
  readonly clock: () => Date;
}

export interface PortfolioActor {
  readonly id: string;
  readonly role?: string;
}

export interface SavePortfolioInput {
  readonly mode: "create" | "update";
  /** The request body (unvalidated). */
  readonly portfolio: unknown;
  readonly actor: PortfolioActor;
  /** For update: the id named by the request (its path); the body's id must equal it. */
  readonly portfolioId?: string;
  /** For update: the version the writer read (VERSION_CONFLICT when it is no longer the latest). */
  readonly expectedVersion?: number;
}

const ActorSchema = z.strictObject({
  id: z.string().min(1).max(200),
  role: z.string().min(1).max(100).optional(),
});

/**
 * Validates a portfolio body with PortfolioSchema (defaults applied). A ToolError (INVALID_INPUT)
 * names the first field at fault, e.g. `portfolio.holdings[2].quantity`, or
 * `portfolio.mandate.objectiv` for an unknown field.
 *
 * @example parsePortfolioBody({ id: "x" }) // throws, field "portfolio.name"
 */
export function parsePortfolioBody(body: unknown): Portfolio {
  const parsed = PortfolioSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw invalidInput("portfolio", "invalid portfolio");
  throw invalidInput(
    issueField(issue, "portfolio"),
    isUnknownField(issue) ? "unknown field" : issue.message,
  );
}

/** The deterministic audit event id of one portfolio version. */
export function portfolioEventId(portfolioId: string, version: number): string {
  return `portfolio:${portfolioId}:v${version}`;
}

/**
 * The audit event recording one saved version: portfolio.created for version 1, else
 * portfolio.updated with the hash of the version it replaced.
 */
export function portfolioEvent(
  saved: PortfolioVersion,
  actor: PortfolioActor,
  previousHash: string | null,
): AuditEventInput {
  return {
    eventId: portfolioEventId(saved.portfolioId, saved.version),
    type: saved.version === 1 ? "portfolio.created" : "portfolio.updated",
    occurredAt: saved.createdAt,
    actor: {
      kind: "human",
      id: actor.id,
      ...(actor.role === undefined ? {} : { role: actor.role }),
    },
    subject: { portfolioId: saved.portfolioId },
    outcome: { status: "success" },
    payload: {
      version: saved.version,
      hash: saved.hash,
      desk: saved.desk,
      ...(previousHash === null ? {} : { previousHash }),
    },
  };
}

/**
 * Creates (version 1) or updates (version latest+1) a portfolio and audits it. Throws a ToolError
 * INVALID_INPUT naming the field for a bad body, actor or expectedVersion (nothing written), and
 * the store's PortfolioStoreError (EXISTS, NOT_FOUND, VERSION_CONFLICT) when the write is refused.
 *
 * @example
 * const v = await savePortfolio(deps, { mode: "create", portfolio: body, actor: { id: "pat", role: "pm" } });
 */
export async function savePortfolio(
  deps: PortfolioServiceDeps,
  input: SavePortfolioInput,
): Promise<PortfolioVersion> {
  const actorParsed = ActorSchema.safeParse(input.actor);
  if (!actorParsed.success) {
    const issue = actorParsed.error.issues[0];
    throw invalidInput(issueField(issue, "actor"), issue?.message ?? "invalid actor");
  }
  const actor = actorParsed.data;
  checkExpectedVersion(input.expectedVersion);
  if (input.mode === "create" && input.expectedVersion !== undefined)
    throw invalidInput("expectedVersion", "applies to updates only");
  const portfolio = parsePortfolioBody(input.portfolio);
  if (input.portfolioId !== undefined && portfolio.id !== input.portfolioId)
    throw invalidInput(
      "portfolio.id",
      `must equal the portfolio named by the request ("${input.portfolioId}"), got "${portfolio.id}"`,
    );
  const at = deps.clock().toISOString();
  const write = { portfolio, createdBy: actor.id, at };
  const saved =
    input.mode === "create"
      ? await deps.store.create(write)
      : await deps.store.update(
          input.expectedVersion === undefined
            ? write
            : { ...write, expectedVersion: input.expectedVersion },
        );
  const previous =
    saved.version === 1 ? null : await deps.store.get(saved.portfolioId, saved.version - 1);
  await deps.audit.append(portfolioEvent(saved, actor, previous?.hash ?? null));
  return saved;
}
