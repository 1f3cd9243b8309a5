import { AuditError } from "./errors.js";
import type { JsonValue } from "./types.js";

/** Deeper nesting than this is refused: audit events are shallow, and the serialiser recurses. */
export const CANONICAL_MAX_DEPTH = 64;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Where a value sits, rendered to a path only when something there fails. */
interface At {
  readonly up: At | null;
  readonly key: string | number;
}

function pathOf(at: At): string {
  if (at.up === null) return String(at.key);
  const key = at.key;
  const parent = pathOf(at.up);
  if (typeof key === "number") return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function fail(path: string, message: string): never {
  throw new AuditError("NOT_JSON", message, path);
}

/** True when an object's keys are in code-unit order (an object's keys are distinct). */
function ascending(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

/**
 * Checks a value is JSON (see assertJsonValue) and, with `emit`, returns its RFC 8785 text in the
 * same walk: keys sorted by UTF-16 code units (the default sort), primitives by JSON.stringify —
 * whose number and string forms are the ones RFC 8785 adopts — and undefined properties left out.
 */
function walk(
  value: unknown,
  up: At | null,
  key: string | number,
  depth: number,
  seen: Set<object>,
  emit: boolean,
): string {
  // The value's place is (up, key): an At is made only for a container's children, and a path
  // only when something fails.
  switch (typeof value) {
    case "string":
      // isWellFormed: false exactly when the string holds a lone surrogate.
      if (!value.isWellFormed())
        fail(pathOf({ up, key }), "string contains a lone UTF-16 surrogate");
      return emit ? JSON.stringify(value) : "";
    case "number":
      if (!Number.isFinite(value))
        fail(pathOf({ up, key }), `${String(value)} is not a JSON number`);
      return emit ? JSON.stringify(value) : "";
    case "boolean":
      return emit ? (value ? "true" : "false") : "";
    case "object":
      break;
    default:
      fail(pathOf({ up, key }), `a ${typeof value} is not a JSON value`);
  }
  if (value === null) return emit ? "null" : "";
  if (depth >= CANONICAL_MAX_DEPTH)
    fail(pathOf({ up, key }), `nesting deeper than ${CANONICAL_MAX_DEPTH}`);
  if (seen.has(value)) fail(pathOf({ up, key }), "circular reference");
  seen.add(value);
  const here: At = { up, key };
  let out = "";
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) fail(pathOf(here), "not a plain array");
    out = "[";
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(pathOf({ up: here, key: i }), "hole in a sparse array");
      const item: unknown = value[i];
      if (item === undefined) fail(pathOf({ up: here, key: i }), "undefined is not a JSON value");
      const text = walk(item, here, i, depth + 1, seen, emit);
      if (emit) out += i === 0 ? text : `,${text}`;
    }
    out += "]";
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      fail(
        pathOf(here),
        `a ${typeof name === "string" ? name : "non-plain"} object is not a JSON value`,
      );
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (emit && !ascending(keys)) keys.sort();
    out = "{";
    let first = true;
    for (const k of keys) {
      if (!k.isWellFormed())
        fail(pathOf({ up: here, key: k }), "key contains a lone UTF-16 surrogate");
      const item = record[k];
      // An undefined property is an absent one (as in JSON.stringify): optional fields stay optional.
      if (item === undefined) continue;
      const text = walk(item, here, k, depth + 1, seen, emit);
      if (emit) {
        out += `${first ? "" : ","}${JSON.stringify(k)}:${text}`;
        first = false;
      }
    }
    out += "}";
  }
  seen.delete(value);
  return emit ? out : "";
}

/**
 * Throws an AuditError (code NOT_JSON) naming the path of the first value that is not JSON:
 * NaN, ±Infinity, undefined or a hole inside an array, functions, symbols, bigints, non-plain
 * objects (Date, Map, class instances, typed arrays), lone surrogates, cycles, nesting deeper
 * than CANONICAL_MAX_DEPTH. An object property whose value is undefined counts as absent.
 *
 * @example
 * assertJsonValue({ a: [1, Number.NaN] }, "payload"); // throws "payload.a[1]: NaN is not a JSON number"
 */
export function assertJsonValue(value: unknown, path = "$"): asserts value is JsonValue {
  walk(value, null, path, 0, new Set(), false);
}

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation: object keys sorted by UTF-16 code units,
 * no whitespace, numbers in ECMAScript shortest round-trip form (so -0 serialises as `0` and 1e21
 * as `1e+21`), strings with JSON.stringify's minimal escaping. Checked and written in one walk
 * (see assertJsonValue), so the output is always defined and exact.
 *
 * @example
 * canonicalJson({ b: [1e21, -0, 4.5], a: "€" }); // '{"a":"€","b":[1e+21,0,4.5]}'
 */
export function canonicalJson(value: unknown, path = "$"): string {
  return walk(value, null, path, 0, new Set(), true);
}

/**
 * RFC 8785 serialisation of a value that came out of JSON.parse, without validation (JSON.parse
 * output is always a JSON value): keys sorted by UTF-16 code units (the default Array sort),
 * primitives by JSON.stringify, whose number and string forms are the ones RFC 8785 adopts. A
 * few times faster than canonicalJson; verification uses it on millions of records. Do not call
 * it on values of other origin (it would not reject NaN, undefined or class instances).
 *
 * @example
 * canonicalizeParsed(JSON.parse('{"b":1e30,"a":[4.50,"\\u20ac"]}')); // '{"a":[4.5,"€"],"b":1e+30}'
 */
export function canonicalizeParsed(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++)
      out += (i === 0 ? "" : ",") + canonicalizeParsed(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${canonicalizeParsed(record[key])}`;
  }
  return `${out}}`;
}

function keysSorted(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!keysSorted(item)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (!ascending(keys)) return false;
  for (const key of keys) if (!keysSorted(record[key])) return false;
  return true;
}

/**
 * True when `text` is the RFC 8785 form of `parsed`, which must be JSON.parse(text). Fast path:
 * native JSON.stringify reproduces the text and every object's keys are in code-unit order (then
 * the canonical form and JSON.stringify's coincide); otherwise the full canonicalizeParsed
 * comparison decides (integer-like keys, which JavaScript objects reorder, take that path).
 *
 * @example
 * const text = '{"a":1,"b":[2]}';
 * isCanonicalParsed(JSON.parse(text), text); // true
 */
export function isCanonicalParsed(parsed: unknown, text: string): boolean {
  if (JSON.stringify(parsed) === text && keysSorted(parsed)) return true;
  return canonicalizeParsed(parsed) === text;
}

/**
 * Structural equality of two JSON values (objects compared as unordered key sets, arrays in
 * order, numbers with ===, so 0 and -0 are equal as they are in canonical JSON). Object
 * properties whose value is undefined count as absent, as in canonicalJson.
 *
 * @example
 * jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }); // true
 * jsonEqual({ a: 1 }, { a: 1, b: 2 });                   // false
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const key of Object.keys(ra)) {
    if (ra[key] === undefined) continue;
    count += 1;
    if (!Object.prototype.hasOwnProperty.call(rb, key) || !jsonEqual(ra[key], rb[key]))
      return false;
  }
  for (const key of Object.keys(rb)) if (rb[key] !== undefined) count -= 1;
  return count === 0;
}

/**
 * True when `text` is already in RFC 8785 canonical form: it parses as JSON and re-canonicalises
 * to exactly the same characters.
 *
 * @example
 * isCanonicalJson('{"a":1,"b":2}'); // true
 * isCanonicalJson('{"b":2,"a":1}'); // false
 */
export function isCanonicalJson(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  try {
    return canonicalJson(parsed) === text;
  } catch {
    return false;
  }
}
