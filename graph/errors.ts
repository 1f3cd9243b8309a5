import type { ApprovalRuleCode } from "../governance/index.js";
import type { RunStatus } from "./run-status.js";

/**
 * Errors of the run service, a closed union of codes the CLI and the HTTP layer map in one place:
 * RUN_NOT_FOUND → 404; NOT_AWAITING_APPROVAL, NOT_RELEASED → 409; the approval rules' codes
 * (SELF_APPROVAL, PROPOSAL_CHANGED, EXPIRED, …) → 403/409/422 as the caller decides.
 */
export type RunServiceErrorCode =
  "RUN_NOT_FOUND" | "NOT_AWAITING_APPROVAL" | "NOT_RELEASED" | ApprovalRuleCode;

export class RunServiceError extends Error {
  readonly code: RunServiceErrorCode;
  readonly runId: string;
  /** The run's status when the request was refused (null when there is no such run). */
  readonly status: RunStatus | null;

  constructor(code: RunServiceErrorCode, message: string, runId: string, status: RunStatus | null) {
    super(message);
    this.name = "RunServiceError";
    this.code = code;
    this.runId = runId;
    this.status = status;
  }
}

/** True for a RunServiceError (optionally with one of the codes). */
export function isRunServiceError(
  error: unknown,
  ...codes: RunServiceErrorCode[]
): error is RunServiceError {
  return error instanceof RunServiceError && (codes.length === 0 || codes.includes(error.code));
}
