import type { AuditBackend, BuildBatch, ChainHead, StoredEventRef } from "./backend.js";
import { ZERO_HASH_HEX } from "./hash.js";
import { eventCanonicalOf } from "./record.js";
import type { AuditQuery, AuditRecord, Checkpoint } from "./types.js";

/**
 * An in-memory AuditBackend for tests and the contract suite. Append-only: there is no way to
 * change or remove a stored record or checkpoint, and everything handed out is frozen. Appends are
 * atomic (a batch is checked whole before any of it is stored) and serialised by the event loop
 * (appendBatch runs synchronously up to its return).
 */

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function matches(record: AuditRecord, query: Omit<AuditQuery, "cursor" | "limit">): boolean {
  const event = record.event;
  if (query.runId !== undefined && event.subject?.runId !== query.runId) return false;
  if (query.portfolioId !== undefined && event.subject?.portfolioId !== query.portfolioId)
    return false;
  if (query.actorId !== undefined && event.actor.id !== query.actorId) return false;
  if (query.type !== undefined && event.type !== query.type) return false;
  if (query.from !== undefined && event.occurredAt < query.from) return false;
  if (query.to !== undefined && event.occurredAt > query.to) return false;
  return true;
}

export class MemoryAuditBackend implements AuditBackend {
  readonly kind = "memory" as const;
  private readonly rows: AuditRecord[] = [];
  private readonly byEventId = new Map<string, number>();
  private readonly stored: Checkpoint[] = [];
  private closed = false;

  private open(): void {
    if (this.closed) throw new Error("the memory audit backend is closed");
  }

  private currentHead(): ChainHead {
    const last = this.rows.at(-1);
    return {
      size: this.rows.length,
      chainHash: last === undefined ? ZERO_HASH_HEX : last.chainHash,
    };
  }

  async init(): Promise<void> {
    this.open();
  }

  async appendBatch(
    eventIds: readonly string[],
    build: BuildBatch,
  ): Promise<readonly AuditRecord[]> {
    this.open();
    const head = this.currentHead();
    const existing = new Map<string, StoredEventRef>();
    for (const eventId of eventIds) {
      const index = this.byEventId.get(eventId);
      const row = index === undefined ? undefined : this.rows[index];
      if (row !== undefined)
        existing.set(eventId, {
          seq: row.seq,
          eventId,
          eventCanonical: eventCanonicalOf(row.canonical),
        });
    }
    const { records } = build(head, existing);
    const fresh = new Set<string>();
    records.forEach((record, i) => {
      if (record.seq !== head.size + i + 1)
        throw new Error(
          `appendBatch: record ${i} has seq ${record.seq}, expected ${head.size + i + 1}`,
        );
      const id = record.event.eventId;
      if (this.byEventId.has(id) || fresh.has(id))
        throw new Error(`appendBatch: eventId ${JSON.stringify(id)} is already stored`);
      fresh.add(id);
    });
    for (const record of records) {
      this.byEventId.set(record.event.eventId, this.rows.length);
      this.rows.push(deepFreeze({ ...record }));
    }
    return this.rows.slice(head.size);
  }

  async head(): Promise<ChainHead> {
    this.open();
    return this.currentHead();
  }

  async readRange(fromSeq: number, toSeq: number): Promise<readonly AuditRecord[]> {
    this.open();
    if (toSeq < fromSeq) return [];
    return this.rows.slice(Math.max(0, fromSeq - 1), Math.max(0, toSeq));
  }

  async query(
    query: Omit<AuditQuery, "cursor" | "limit">,
    afterSeq: number,
    limit: number,
  ): Promise<readonly AuditRecord[]> {
    this.open();
    const out: AuditRecord[] = [];
    for (let i = Math.max(0, afterSeq); i < this.rows.length && out.length < limit; i++) {
      const record = this.rows[i] as AuditRecord;
      if (matches(record, query)) out.push(record);
    }
    return out;
  }

  async findByEventId(eventId: string): Promise<AuditRecord | null> {
    this.open();
    const index = this.byEventId.get(eventId);
    return index === undefined ? null : (this.rows[index] ?? null);
  }

  async insertCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.open();
    this.stored.push(deepFreeze({ ...checkpoint }));
  }

  async checkpoints(): Promise<readonly Checkpoint[]> {
    this.open();
    return [...this.stored].sort(
      (a, b) => a.size - b.size || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0),
    );
  }

  async recentCheckpoints(afterSize: number): Promise<readonly Checkpoint[]> {
    const all = await this.checkpoints();
    const largest = all.at(-1)?.size ?? 0;
    return all.filter((cp) => cp.size > afterSize || cp.size === largest);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * A fresh, empty in-memory backend.
 *
 * @example
 * const store = createAuditLog(createMemoryBackend(), { signer, checkpointDir, clock });
 */
export function createMemoryBackend(): MemoryAuditBackend {
  return new MemoryAuditBackend();
}
