import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AuditStore } from "../audit/index.js";
import { RUN_STATUSES, type RunStore } from "../graph/index.js";

/**
 * The API's Prometheus metrics, on a registry of its own (one per app, so several apps in one
 * process never share counters): request latency by route and status, runs by status and audit
 * trail size (read from the stores at scrape time, so every instance over one database reports the
 * same), check failures by code, approval decisions, authentication and authorisation refusals.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<"method" | "route" | "status">;
  readonly checkFailures: Counter<"code" | "severity">;
  readonly decisions: Counter<"action" | "outcome">;
  readonly authFailures: Counter<"kind" | "reason">;
  readonly briefings: Counter<"status">;
}

export function createMetrics(stores: {
  readonly runStore: RunStore;
  readonly audit: AuditStore;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "steward_process_" });
  const requestDuration = new Histogram({
    name: "steward_http_request_duration_seconds",
    help: "HTTP request latency by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const checkFailures = new Counter({
    name: "steward_check_failures_total",
    help: "Pre-trade checks that failed in briefings produced by this instance, by code and severity",
    labelNames: ["code", "severity"] as const,
    registers: [registry],
  });
  const decisions = new Counter({
    name: "steward_approval_decisions_total",
    help: "Approval decisions taken through this instance, by action and outcome",
    labelNames: ["action", "outcome"] as const,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: "steward_auth_failures_total",
    help: "Refused requests: kind authentication (401) or authorisation (403), by reason",
    labelNames: ["kind", "reason"] as const,
    registers: [registry],
  });
  const briefings = new Counter({
    name: "steward_briefings_total",
    help: "Briefings produced by this instance, by the run's status",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "steward_runs",
    help: "Runs by status (from the run store)",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const counts = await stores.runStore.statusCounts();
      for (const status of RUN_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: "steward_audit_events",
    help: "Events in the audit trail (its size)",
    registers: [registry],
    async collect() {
      this.set((await stores.audit.head()).size);
    },
  });
  return { registry, requestDuration, checkFailures, decisions, authFailures, briefings };
}
