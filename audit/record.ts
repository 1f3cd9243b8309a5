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
