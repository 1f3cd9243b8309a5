import type { Blueprint, Rate } from "../graph/index.js";

/**
 * The readable blueprint `steward blueprint` prints without `--json`: the graph (with its Mermaid
 * source), the agents and tools, the controls in force, the approval policy, the model inventory,
 * monitoring and the audit status. The JSON form carries the schemas; this one names them.
 */

const pct = (r: Rate): string =>
  r.value === null
    ? `n/a (${r.reason ?? "nothing counted"})`
    : `${(r.value * 100).toFixed(1)}% (${r.numerator}/${r.denominator})`;

function valueText(value: unknown): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Renders a blueprint as text (one trailing newline).
 *
 * @example formatBlueprint(blueprint).includes("```mermaid") // true
 */
export function formatBlueprint(b: Blueprint): string {
  const lines: string[] = [
    `Steward ${b.stewardVersion} blueprint, generated ${b.generatedAt} from the compiled graph`,
    "",
    `Graph: ${b.graph.nodes.length} nodes, ${b.graph.edges.length} edges; interrupt (human decision) at ${b.graph.interrupts.join(", ")}; the Optimizer runs at most ${b.graph.optimizerLoop.maxOptimizerLoops} times per run`,
  ];
  for (const n of b.graph.nodes) {
    if (n.agent === null) continue;
    lines.push(`  ${n.id.padEnd(24)} ${n.agent}${n.interrupt ? "  (interrupt)" : ""}`);
  }
  lines.push("", "Routing:");
  for (const e of b.graph.edges) {
    if (e.condition === null) continue;
    lines.push(`  ${e.source} → ${e.target}: ${e.condition.when ?? e.condition.router ?? "?"}`);
  }
  lines.push("", "```mermaid", b.graph.mermaid.trimEnd(), "```", "", "Agents:");
  for (const a of b.agents) {
    lines.push(`  ${a.name} ${a.version}: ${a.role ?? ""}`);
    for (const t of a.tools) lines.push(`    tool ${t.name}`);
  }
  const c = b.controls;
  lines.push(
    "",
    `Controls: policy ${c.policy.id} ${c.policy.version} (hash ${c.policy.hash.slice(0, 12)}…), owner ${c.policy.owner}, trading state ${c.policy.tradingState}`,
  );
  for (const check of c.checks) {
    const limits = check.limits
      .map(
        (l) =>
          `${l.name}=${valueText(l.value)} (${l.severity}, ${l.owner}, review ${l.reviewDate}${l.overdue ? ", OVERDUE" : ""})`,
      )
      .join("; ");
    lines.push(
      `  ${check.code.padEnd(32)} ${check.severity.padEnd(4)} ${limits === "" ? "fixed rule" : limits}`,
    );
  }
  lines.push(
    `  overdue limit reviews: ${c.overdueLimits.length === 0 ? "none" : c.overdueLimits.map((o) => o.name).join(", ")}`,
    `  restricted list: ${c.restrictedList.map((r) => `${r.symbol} (${r.scope})`).join(", ") || "empty"}`,
  );
  const ap = b.approval;
  lines.push(
    "",
    `Approval: roles ${ap.approverRoles.join(", ")}; expires after ${ap.expiryMinutes} minutes; two approvers above ${ap.twoApproversAboveNotional.toLocaleString("en-US")} gross notional${ap.twoApproversAboveTurnover === undefined ? "" : ` or ${(ap.twoApproversAboveTurnover * 100).toFixed(0)}% turnover`}; rejections need a reason`,
    "",
    `Model inventory ${b.modelInventory.version} (owner ${b.modelInventory.owner}):`,
  );
  for (const m of b.modelInventory.models) {
    lines.push(
      `  ${m.id} ${m.version}${m.simulated ? " [SIMULATED]" : ""}: owner ${m.owner}, developer ${m.developer}, validator ${m.validator}; ${m.validationStatus}, next validation ${m.nextValidation}${m.overdue ? " OVERDUE" : ""}; artifact ${m.artifactHash === null ? "MISSING" : m.artifactHash.slice(0, 12)}`,
    );
  }
  lines.push(`  not yet: ${b.modelInventory.notYetAvailable.join("; ")}`);
  const mon = b.monitoring;
  lines.push(
    "",
    `Monitoring (${mon.scope}): ${mon.runsStarted} runs, ${mon.checkRuns} check runs`,
    `  check-failure rate ${pct(mon.checkFailureRate)}; hard-failure rate ${pct(mon.hardFailureRate)}`,
    `  rejection rate ${pct(mon.rejectionRate)}; override rate ${pct(mon.overrideRate)}`,
    `  released ${mon.released}, release denied ${mon.releaseDenied}, expired ${mon.approvalsExpired}`,
  );
  const au = b.audit;
  const cp = au.latestCheckpoint;
  lines.push(
    "",
    `Audit (${au.backend}): ${au.size} records, verify ${au.verify.ok ? "OK" : `FAILED: ${au.verify.reason ?? ""}`}; latest checkpoint ${cp === null ? "none" : `size ${cp.size} at ${cp.time} (${cp.reason})`}`,
  );
  return `${lines.join("\n")}\n`;
}
