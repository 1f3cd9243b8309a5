import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command, MemorySaver } from "@langchain/langgraph";
import { afterEach, describe, expect, it } from "vitest";
import { createAuditLog, createMemoryBackend, createSigner } from "../audit/index.js";
import { loadBundledPolicy, policyVersion, PortfolioSchema } from "../governance/index.js";
import { BALANCED, sampleProvider } from "../tests/graph-helpers.js";
import { compileRunGraph } from "./build-graph.js";
import { RunStateSchema, type RunInput } from "./state.js";

/**
 * The approval interrupt and the release node on the compiled graph directly (in-memory
 * checkpointer and audit store): what the interrupt shows, and the re-hash at release.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function graphUnderTest() {
  const dir = mkdtempSync(path.join(tmpdir(), "steward-release-"));
  dirs.push(dir);
  const pem = generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  const clock = () => new Date("2024-01-02T10:00:00.000Z");
  const audit = createAuditLog(createMemoryBackend(), {
    signer: createSigner(pem),
    checkpointDir: dir,
    clock,
  });
  const provider = await sampleProvider();
  const policy = loadBundledPolicy();
  const graph = compileRunGraph(
    {
      audit,
      providerFor: () => Promise.resolve(provider),
      policyFor: () => policy,
      clock,
      monteCarloPaths: 500,
    },
    { checkpointer: new MemorySaver() },
  );
  const input = RunStateSchema.parse({
    runId: "run-1",
    requestedBy: { id: "pat", kind: "human" },
    portfolio: PortfolioSchema.parse(BALANCED),
    asOf: "2018-04-11",
    seed: 1,
    dataSpec: { kind: "sample" },
    policyVersion: policyVersion(policy),
    startedAt: clock().toISOString(),
    errors: [],
  } satisfies RunInput);
  return { graph, audit, input, config: { configurable: { thread_id: "run-1" } } };
}

const approved = {
  decision: "approved" as const,
  at: "2024-01-02T10:05:00.000Z",
  decisions: [
    {
      actorId: "sam",
      action: "approve" as const,
      reason: null,
      acknowledgements: [],
      at: "2024-01-02T10:05:00.000Z",
    },
  ],
};

describe("approval interrupt and release", () => {
  it("pauses at approval showing the proposal, its hash and the checks summary", async () => {
    const { graph, input, config } = await graphUnderTest();
    const out = await graph.invoke(input, config);
    const state = RunStateSchema.parse(out);
    expect(state.status).toBe("awaiting_approval");
    const snapshot = await graph.getState(config);
    expect(snapshot.next).toEqual(["approval"]);
    const value: unknown = snapshot.tasks[0]?.interrupts[0]?.value;
    expect(value).toMatchObject({
      runId: "run-1",
      proposalHash: state.executionResult?.proposalHash,
      checks: { passed: true, hardFailures: [] },
      request: { requestedBy: "pat", proposalHash: state.executionResult?.proposalHash },
    });
  });

  it("denies the release when the orders no longer hash to the approved proposal", async () => {
    const { graph, audit, input, config } = await graphUnderTest();
    const state = RunStateSchema.parse(await graph.invoke(input, config));
    const exec = state.executionResult;
    if (exec === null) throw new Error("no proposal");
    // Someone with access to the checkpointer doubles the first order after approval was asked.
    const [first, ...rest] = exec.proposal.orders;
    if (first === undefined) throw new Error("no orders");
    const tampered = {
      ...exec,
      proposal: { ...exec.proposal, orders: [{ ...first, quantity: first.quantity * 2 }, ...rest] },
    };
    await graph.updateState(config, { executionResult: tampered });
    const after = RunStateSchema.parse(
      await graph.invoke(new Command({ resume: approved }), config),
    );
    expect(after.status).toBe("release_denied");
    expect(after.releaseRecord?.reasons[0]).toMatch(
      /^PROPOSAL_CHANGED: approvedHash=[0-9a-f]{64}, rehash=/,
    );
    expect(after.releaseRecord?.orders).toEqual([]);
    const types = (await audit.readAll()).map((r) => r.event.type);
    expect(types).toContain("release.denied");
    expect(types).not.toContain("order.released");
  });

  it("releases the approved orders, re-checked with prices read again", async () => {
    const { graph, input, config } = await graphUnderTest();
    const state = RunStateSchema.parse(await graph.invoke(input, config));
    const after = RunStateSchema.parse(
      await graph.invoke(new Command({ resume: approved }), config),
    );
    expect(after.status).toBe("released");
    expect(after.releaseRecord?.rehash).toBe(state.executionResult?.proposalHash);
    expect(after.releaseRecord?.checks?.passed).toBe(true);
    expect(after.releaseRecord?.priceChecks.every((c) => c.passed)).toBe(true);
    expect(after.releaseRecord?.orders).toEqual(state.executionResult?.proposal.orders);
    expect(after.releaseRecord?.releasedBy).toEqual(["sam"]);
  });
});
