import type { Role } from "./auth.js";

/**
 * Function-level authorisation (GOVERNANCE.md §6): which roles may call each operation. This table
 * is the one place the API decides it; every route names its entry, the blueprint and the OpenAPI
 * document (`x-steward-roles`) show it. Separation of duties: a PM asks for briefings and keeps
 * portfolios; only a supervisor decides on proposals; an auditor reads everything and changes
 * nothing; an admin operates the service (metrics, portfolio set-up) but never decides on trades.
 * Object-level scope (which portfolios) is checked by each route against the caller's token.
 */
export const ACCESS = {
  "insights.create": { roles: ["pm"], summary: "start a run (copilot briefing)" },
  "rebalance.compute": { roles: ["pm", "supervisor"], summary: "stateless rebalance analysis" },
  "runs.read": { roles: ["pm", "supervisor", "auditor", "admin"], summary: "read runs in scope" },
  "approvals.read": { roles: ["supervisor", "auditor", "admin"], summary: "the approval inbox" },
  "runs.decide": { roles: ["supervisor"], summary: "approve or reject a proposal" },
  "audit.read": { roles: ["auditor", "admin"], summary: "query, verify and export the trail" },
  "blueprint.read": {
    roles: ["pm", "supervisor", "auditor", "admin"],
    summary: "orchestration and governance blueprint, preview scenarios",
  },
  "portfolios.read": {
    roles: ["pm", "supervisor", "auditor", "admin"],
    summary: "read portfolios in scope",
  },
  "portfolios.write": { roles: ["pm", "admin"], summary: "create or update portfolios in scope" },
  "metrics.read": { roles: ["admin"], summary: "Prometheus metrics" },
} as const satisfies Record<string, { roles: readonly Role[]; summary: string }>;

export type Operation = keyof typeof ACCESS;

/** Principals' portfolio scope: every portfolio, or the listed ids. */
export type Scope = "*" | readonly string[];

/** True when the scope covers the portfolio. */
export function inScope(scope: Scope, portfolioId: string): boolean {
  return scope === "*" || scope.includes(portfolioId);
}

/** True when one of the roles may perform the operation. */
export function allowed(operation: Operation, roles: readonly Role[]): boolean {
  const permitted: readonly Role[] = ACCESS[operation].roles;
  return roles.some((r) => permitted.includes(r));
}
