import { z } from "zod";

/**
 * A run's lifecycle (GOVERNANCE.md §2):
 *   pending_checks → blocked | no_trade | awaiting_approval
 *   awaiting_approval → approved | rejected | expired
 *   approved → released | release_denied
 * `blocked`, `no_trade`, `rejected`, `expired`, `released` and `release_denied` are final.
 */
export const RUN_STATUSES = [
  "pending_checks",
  "blocked",
  "no_trade",
  "awaiting_approval",
  "approved",
  "rejected",
  "expired",
  "released",
  "release_denied",
] as const;

export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** Statuses a run comes to rest in (an audit checkpoint is written when it gets there). */
export const AT_REST_STATUSES: readonly RunStatus[] = [
  "awaiting_approval",
  "blocked",
  "no_trade",
  "rejected",
  "expired",
  "released",
  "release_denied",
];

/** The moves the run store allows; anything else is a bug or a replay. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  pending_checks: ["blocked", "no_trade", "awaiting_approval"],
  awaiting_approval: ["approved", "rejected", "expired"],
  approved: ["released", "release_denied"],
  blocked: [],
  no_trade: [],
  rejected: [],
  expired: [],
  released: [],
  release_denied: [],
};

/**
 * True when `to` may follow `from`.
 * @example canTransition("awaiting_approval", "approved") // true
 * @example canTransition("released", "approved") // false
 */
export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}
