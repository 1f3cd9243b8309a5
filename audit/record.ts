/**
 * The framing of a record's canonical text. RFC 8785 of `{seq, recordedAt, event}` puts the keys in
 * the order event, recordedAt, seq, so every record reads
 *   {"event":<canonical event>,"recordedAt":"<ISO time>","seq":<seq>}
 * and the event's own canonical text is a slice of it.
 */

const PREFIX = '{"event":';
const RECORDED_AT = ',"recordedAt":';

/**
 * The canonical text of a record from its parts: RFC 8785 of `{seq, recordedAt, event}` (recordedAt
 * is a plain ISO string and seq an integer, whose canonical forms are JSON.stringify's), built
 * without re-serialising the already canonical event.
 *
 * @example
 * recordCanonical(1, "2024-01-02T10:00:00.000Z", '{"a":1}');
 * // '{"event":{"a":1},"recordedAt":"2024-01-02T10:00:00.000Z","seq":1}'
 */
export function recordCanonical(seq: number, recordedAt: string, eventCanonical: string): string {
  return `${PREFIX}${eventCanonical}${RECORDED_AT}${JSON.stringify(recordedAt)},"seq":${seq}}`;
}

/**
 * The event's canonical text inside a record's canonical text (what idempotent replay compares,
 * StoredEventRef.eventCanonical). Throws a RangeError when the text is not framed as a record.
 *
 * @example
 * eventCanonicalOf('{"event":{"a":1},"recordedAt":"2024-01-02T10:00:00.000Z","seq":1}'); // '{"a":1}'
 */
export function eventCanonicalOf(recordCanonicalText: string): string {
  // The last ',"recordedAt":' is the top-level one: only an ISO string and the seq follow it.
  const end = recordCanonicalText.lastIndexOf(RECORDED_AT);
  if (!recordCanonicalText.startsWith(PREFIX) || end <= PREFIX.length) {
    throw new RangeError("eventCanonicalOf: not the canonical text of an audit record");
  }
  return recordCanonicalText.slice(PREFIX.length, end);
}

const QUOTE = 0x22;
const RIGHT_BRACE = 0x7d;
const RECORDED_AT_OPEN = ',"recordedAt":"';
const SEQ_KEY = '","seq":';

/**
 * Where the event's canonical text ends inside a record's canonical text: the record must read
 * `{"event":<event>,"recordedAt":"<recordedAt>","seq":<seq>}`, with recordedAt compared as is (no
 * escaping) and seq as its decimal digits. Returns the index of `,"recordedAt":` (the event text is
 * `canonical.slice(9, end)`), or −1 when the text is not framed that way. Allocation-free, for hot
 * loops (native startsWith compares; a character loop costs more here).
 *
 * @example
 * recordEventEnd('{"event":{},"recordedAt":"t","seq":7}', "t", 7); // 11
 */
export function recordEventEnd(canonical: string, recordedAt: string, seq: number): number {
  let i = canonical.length - 1;
  if (canonical.charCodeAt(i) !== RIGHT_BRACE || !Number.isSafeInteger(seq) || seq < 0) return -1;
  let rest = seq;
  do {
    // Integer division without the floating-point remainder (fmod), which costs more than the rest.
    const next = rest < 0x80000000 ? (rest / 10) | 0 : Math.floor(rest / 10);
    i -= 1;
    if (canonical.charCodeAt(i) !== 0x30 + (rest - next * 10)) return -1;
    rest = next;
  } while (rest > 0);
  i -= SEQ_KEY.length;
  if (!canonical.startsWith(SEQ_KEY, i)) return -1;
  i -= recordedAt.length;
  if (!canonical.startsWith(recordedAt, i)) return -1;
  i -= RECORDED_AT_OPEN.length;
  if (i <= PREFIX.length || !canonical.startsWith(RECORDED_AT_OPEN, i)) return -1;
  return canonical.startsWith(PREFIX) ? i : -1;
}

/**
 * If `text` holds at `pos` the JSON string token of `source[from, to)` — which the caller has
 * checked holds no `"` or `\` — the index just after that token, else −1. Canonical JSON escapes
 * exactly `"`, `\` and control characters, and holds no raw control character, so for such a
 * value a literal match is the token match (one with a control character never matches).
 */
function plainTokenEnd(
  text: string,
  pos: number,
  source: string,
  from: number,
  to: number,
): number {
  const end = pos + 1 + (to - from);
  if (text.charCodeAt(pos) !== QUOTE || text.charCodeAt(end) !== QUOTE) return -1;
  for (let k = from, t = pos + 1; k < to; k++, t++)
    if (source.charCodeAt(k) !== text.charCodeAt(t)) return -1;
  return end + 1;
}

/**
 * If `text` holds at `end − 1` the closing quote of the JSON string token of `source[from, to)`
 * (see plainTokenEnd), the index of that token's opening quote, else −1.
 */
function plainTokenStart(
  text: string,
  end: number,
  source: string,
  from: number,
  to: number,
): number {
  const open = end - (to - from) - 2;
  return open >= 0 && plainTokenEnd(text, open, source, from, to) === end ? open : -1;
}

/**
 * Column spans for {@link eventColumnsMatch}: start/end offsets into one source string of the
 * stored eventId, type, occurredAt, actor id, runId and portfolioId, in that order; a null runId
 * or portfolioId has start −1.
 */
export type ColumnSpans = Int32Array;

/** A ColumnSpans buffer (12 offsets) to fill and reuse. */
export function columnSpans(): ColumnSpans {
  return new Int32Array(12);
}

const SUBJECT_OPEN = ',"subject":{';

/** True when `text` holds `literal` at `pos`. */
function has(text: string, pos: number, literal: string): boolean {
  const n = literal.length;
  for (let i = 0; i < n; i++) if (text.charCodeAt(pos + i) !== literal.charCodeAt(i)) return false;
  return true;
}

/**
 * Where the subject member `,"subject":{…}` that ends exactly at `end` (just before `,"type":`)
 * begins, parsing it backwards: `{["portfolioId":<token>][,"proposalVersion":<digits>][,"runId":<token>]}`
 * with exactly the non-null columns of `spans` as its tokens. −1 when the text there is not that.
 */
function subjectStart(
  text: string,
  end: number,
  source: string,
  s: ColumnSpans,
  floor: number,
): number {
  let q = end - 1;
  if (text.charCodeAt(q) !== RIGHT_BRACE) return -1;
  const runFrom = s[8] as number;
  const portfolioFrom = s[10] as number;
  let members = 0;
  if (runFrom >= 0) {
    q = plainTokenStart(text, q, source, runFrom, s[9] as number);
    if (q < 0 || !has(text, q - 8, '"runId":')) return -1;
    q -= 8;
    members += 1;
  }
  // An optional proposalVersion: digits, after its key.
  let d = q;
  if (members > 0) d -= 1; // the comma before runId
  if (members === 0 || text.charCodeAt(d) === 0x2c) {
    let digits = d;
    while (
      digits > floor &&
      text.charCodeAt(digits - 1) >= 0x30 &&
      text.charCodeAt(digits - 1) <= 0x39
    )
      digits -= 1;
    if (digits < d && has(text, digits - 18, '"proposalVersion":')) {
      if (members > 0 && text.charCodeAt(d) !== 0x2c) return -1;
      q = digits - 18;
      members += 1;
    }
  }
  if (portfolioFrom >= 0) {
    if (members > 0) {
      if (text.charCodeAt(q - 1) !== 0x2c) return -1;
      q -= 1;
    }
    q = plainTokenStart(text, q, source, portfolioFrom, s[11] as number);
    if (q < 0 || !has(text, q - 14, '"portfolioId":')) return -1;
    q -= 14;
  } else if (members > 0 && text.charCodeAt(q - 1) === 0x2c) return -1;
  q -= SUBJECT_OPEN.length;
  return q >= floor && has(text, q, SUBJECT_OPEN) ? q : -1;
}

/**
 * Parses forward a subject member at `at` (`,"subject":{`) holding neither runId nor portfolioId:
 * `{}` or `{"proposalVersion":<digits>}`, ending exactly at `end`.
 */
function bareSubjectEnds(text: string, at: number, end: number): boolean {
  let q = at + SUBJECT_OPEN.length;
  if (text.startsWith('"proposalVersion":', q)) {
    q += 18;
    const digits = q;
    while (q < end && text.charCodeAt(q) >= 0x30 && text.charCodeAt(q) <= 0x39) q += 1;
    if (q === digits) return false;
  }
  return q + 1 === end && text.charCodeAt(q) === RIGHT_BRACE;
}

/**
 * The fast, exact-when-true comparison of an event's stored query columns with its canonical text
 * `text[evStart, evEnd)`: the RFC 8785 text of a valid event (strict schema: known keys, sorted),
 * which is what the record's leaf hash, chain and checkpoints authenticate — bytes that are not
 * authentic fail verification on their own, whatever this says. The spans lie in `source` in the
 * order of {@link ColumnSpans}, contiguously (the first start to the last end is scanned once
 * for `"` and `\`: a value holding either is left to the caller). True only when each column
 * value appears literally as the string token the canonical JSON gives that field:
 * - actor.id: the event opens `{"actor":{"id":<token>` (actor is the first key, id actor's first);
 * - eventId: the first `,"eventId":` after it (only string members — actor's kind and role,
 *   causationId, correlationId — come between, and `,"` cannot occur inside a string token), then
 *   occurredAt, the next key: `,"occurredAt":<token>`;
 * - type: the last key, so the text ends `,"type":<token>}`;
 * - runId and portfolioId: when either is set, the member just before type must be
 *   `,"subject":{["portfolioId":<token>][,"proposalVersion":<digits>][,"runId":<token>]}` with
 *   exactly the non-null columns, parsed backwards from type (a member directly followed by the
 *   top-level type is itself top-level); when both are null, the last `,"subject":{` before type,
 *   if any, must parse as a subject holding neither and end where `,"type":` begins (so it is
 *   top-level), or there is none after occurredAt (so there is no top-level subject).
 * False means "not proven equal" (a column differs, needs escaping, or the event has an unusual
 * shape): the caller then decides by parsing ({@link eventColumnsProblem}). Allocation-free
 * apart from slices of long values.
 */
export function eventColumnsMatch(
  text: string,
  evStart: number,
  evEnd: number,
  source: string,
  spans: ColumnSpans,
): boolean {
  const s = spans;
  // No column value may hold a quote or a backslash (each would need escaping in JSON): one scan
  // over the span of all of them, so the token comparisons below are plain literal matches.
  const from = s[0] as number;
  const to = s[11] as number;
  const quote = source.indexOf('"', from);
  const backslash = source.indexOf("\\", from);
  if ((quote >= 0 && quote < to) || (backslash >= 0 && backslash < to)) return false;
  // actor is the first key and id actor's first: the event opens {"actor":{"id":<token>.
  let p = plainTokenEnd(text, evStart + 15, source, s[6] as number, s[7] as number);
  if (p < 0) return false;
  // Only string members (actor's kind and role, causationId, correlationId) lie between actor.id
  // and eventId, and `,"` cannot occur inside a string token: the first `,"eventId":` is the key.
  p = text.indexOf(',"eventId":', p);
  if (p < 0) return false;
  p = plainTokenEnd(text, p + 11, source, s[0] as number, s[1] as number);
  // occurredAt is the key right after eventId: `,"occurredAt":` (14 characters) then its token.
  if (p >= 0) p = plainTokenEnd(text, p + 14, source, s[4] as number, s[5] as number);
  if (p < 0) return false;
  // type is the last key: the text ends `,"type":<token>}`.
  const typeAt = plainTokenStart(text, evEnd - 1, source, s[2] as number, s[3] as number) - 8;
  if (typeAt < p) return false;

  if ((s[8] as number) >= 0 || (s[10] as number) >= 0)
    return subjectStart(text, typeAt, source, s, p) >= 0;
  const at = text.lastIndexOf(SUBJECT_OPEN, typeAt - 1);
  return at < p || bareSubjectEnds(text, at, typeAt);
}

/**
 * The event fields a SQL store also keeps in columns of their own (for queries and idempotent
 * replay), as read back: strings, null (runId, portfolioId absent), or — after tampering — anything.
 */
export interface EventColumns {
  readonly eventId: unknown;
  readonly type: unknown;
  readonly occurredAt: unknown;
  readonly actorId: unknown;
  readonly runId: unknown;
  readonly portfolioId: unknown;
  /** The `event_canonical` column: must equal the event's slice of the canonical bytes. */
  readonly eventCanonical: unknown;
}

type Loose = Record<string, unknown>;

function looseObject(value: unknown): Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Loose)
    : {};
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return "absent";
  if (typeof value !== "string") return `a ${value instanceof Uint8Array ? "blob" : typeof value}`;
  const text = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return text;
}

/**
 * The exact comparison, by parsing: null when every stored column equals what the event's canonical
 * text `eventText` says (eventCanonical byte for byte; eventId, type, occurredAt and actor.id as
 * strings; runId and portfolioId as strings, or null exactly when absent), else a sentence naming
 * the first column that differs.
 *
 * @example
 * eventColumnsProblem('{"actor":{"id":"a","kind":"system"},"eventId":"e","occurredAt":"t","type":"x.y"}',
 *   { eventId: "e", type: "x.y", occurredAt: "t", actorId: "a", runId: "r", portfolioId: null,
 *     eventCanonical: '{"actor":{"id":"a","kind":"system"},"eventId":"e","occurredAt":"t","type":"x.y"}' });
 * // 'the stored run_id column ("r") differs from the canonical bytes (absent)'
 */
export function eventColumnsProblem(eventText: string, columns: EventColumns): string | null {
  if (columns.eventCanonical !== eventText) {
    return "the stored event_canonical column differs from the event in the canonical bytes";
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(eventText);
  } catch {
    return "the event in the canonical bytes is not JSON";
  }
  const event = looseObject(parsed);
  const actor = looseObject(event.actor);
  const subject = looseObject(event.subject);
  const pairs: readonly [string, unknown, unknown, boolean][] = [
    ["event_id", columns.eventId, event.eventId, false],
    ["type", columns.type, event.type, false],
    ["occurred_at", columns.occurredAt, event.occurredAt, false],
    ["actor_id", columns.actorId, actor.id, false],
    ["run_id", columns.runId, subject.runId, true],
    ["portfolio_id", columns.portfolioId, subject.portfolioId, true],
  ];
  for (const [name, stored, expected, nullable] of pairs) {
    const same =
      typeof stored === "string"
        ? stored === expected
        : nullable && stored === null && expected === undefined;
    if (!same) {
      return `the stored ${name} column (${shown(stored)}) differs from the canonical bytes (${shown(expected)})`;
    }
  }
  return null;
}

/**
 * Compares a record's stored query columns with its canonical bytes (fast path
 * {@link eventColumnsMatch}, exact fallback {@link eventColumnsProblem}). Null when they agree, or
 * when the canonical bytes are not framed as this record's (that is reported by verification
 * itself); else a sentence naming the first column that differs.
 *
 * @example
 * storedColumnsProblem({ seq: 1, recordedAt: t, canonical }, columnsOfTheRow); // null when intact
 */
export function storedColumnsProblem(
  record: { readonly seq: unknown; readonly recordedAt: unknown; readonly canonical: unknown },
  columns: EventColumns,
): string | null {
  const { seq, recordedAt, canonical } = record;
  if (typeof canonical !== "string" || typeof recordedAt !== "string" || typeof seq !== "number")
    return null;
  const end = recordEventEnd(canonical, recordedAt, seq);
  if (end < 0) return null;
  const eventText = canonical.slice(PREFIX.length, end);
  const { eventId, type, occurredAt, actorId, runId, portfolioId } = columns;
  if (
    columns.eventCanonical === eventText &&
    typeof eventId === "string" &&
    typeof type === "string" &&
    typeof occurredAt === "string" &&
    typeof actorId === "string" &&
    (runId === null || typeof runId === "string") &&
    (portfolioId === null || typeof portfolioId === "string")
  ) {
    const spans = columnSpans();
    let source = "";
    const add = (value: string | null, at: number): void => {
      spans[at] = value === null ? -1 : source.length;
      source += value ?? "";
      spans[at + 1] = source.length;
    };
    add(eventId, 0);
    add(type, 2);
    add(occurredAt, 4);
    add(actorId, 6);
    add(runId, 8);
    add(portfolioId, 10);
    if (eventColumnsMatch(canonical, PREFIX.length, end, source, spans)) return null;
  }
  return eventColumnsProblem(eventText, columns);
}

const COLUMNS_PROBLEM: unique symbol = Symbol("audit.storedColumnsProblem");

/**
 * Notes on a record read from a store that its stored query columns disagree with its canonical
 * bytes (a non-enumerable property: the record's shape, equality and JSON are unchanged);
 * verification reports it as a record-level failure. Returns the record.
 */
export function markColumnsProblem<T extends object>(record: T, problem: string): T {
  Object.defineProperty(record, COLUMNS_PROBLEM, { value: problem, enumerable: false });
  return record;
}

/** The problem noted by {@link markColumnsProblem}, if any. */
export function columnsProblemOf(record: object): string | undefined {
  const value: unknown = (record as { [COLUMNS_PROBLEM]?: unknown })[COLUMNS_PROBLEM];
  return typeof value === "string" ? value : undefined;
}
