import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";

/**
 * LangGraph's checkpoint serializer, with a fast path for plain JSON data — which is what a run's
 * state is. `JsonPlusSerializer` writes through a replacer called for every value (to encode
 * `undefined`, Map, Set, Error, bytes and LangChain objects) after a circularity pass, and reads
 * back through an asynchronous reviver that awaits every array element: for a briefing's state
 * (about 200 kB) that is several milliseconds each way. Here a value made only of plain objects,
 * arrays, strings, finite or non-finite numbers, booleans and null — no `undefined`, no other
 * kind of object, no cycle, no `lg_name` key (a Send) — is written by `JSON.stringify` (the same
 * bytes the replacer path writes for it) and read by `JSON.parse` when the text holds no `lc`
 * record (the same value the reviver returns for it). Anything else takes the parent's path, so
 * every checkpoint either serializer writes reads back the same with both.
 */
export class StewardCheckpointSerializer extends JsonPlusSerializer {
  protected override _dumps(obj: unknown): Uint8Array {
    // JSON.stringify first: it refuses a cycle (and a BigInt) natively, so the walk after it
    // needs no set of the objects on its path.
    let text: string | undefined;
    try {
      text = JSON.stringify(obj);
    } catch {
      return super._dumps(obj);
    }
    return text !== undefined && isPlainJson(obj, 0) ? ENCODER.encode(text) : super._dumps(obj);
  }

  protected override async _loads(data: string): Promise<unknown> {
    const value: unknown = JSON.parse(data);
    return hasLcKey(value) ? super._loads(data) : value;
  }
}

const ENCODER = new TextEncoder();
const MAX_DEPTH = 512;

/**
 * True when JSON.stringify and the replacer path agree on the value (see the class), for a value
 * JSON.stringify accepted (so without cycles). Walks own and inherited enumerable keys (`for…in`,
 * no allocation): an inherited enumerable key only makes the answer more cautious.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      break;
    default:
      return false; // undefined, functions, symbols, bigints
  }
  if (value === null) return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    // Every element plain — holes included, which read as undefined.
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    if (key === "lg_name") return false;
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when some object in a parsed JSON value has an `lc` key (a record the reviver may turn into something else). */
function hasLcKey(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasLcKey(item)) return true;
    return false;
  }
  for (const key in value) {
    if (key === "lc") return true;
    if (hasLcKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
