import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertJsonValue,
  canonicalizeParsed,
  canonicalJson,
  CANONICAL_MAX_DEPTH,
  isCanonicalJson,
  isCanonicalParsed,
  jsonEqual,
} from "./canonical.js";
import { AuditError } from "./errors.js";

/** The IEEE 754 double with the given 16 hex digits of bits. */
function double(bits: string): number {
  return Buffer.from(bits, "hex").readDoubleBE(0);
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text (as repeated in the test
// suites of several JCS implementations; the last column of the RFC's table).
const APPENDIX_B: readonly (readonly [string, string])[] = [
  ["0000000000000000", "0"],
  ["8000000000000000", "0"], // minus zero
  ["0000000000000001", "5e-324"],
  ["8000000000000001", "-5e-324"],
  ["7fefffffffffffff", "1.7976931348623157e+308"],
  ["ffefffffffffffff", "-1.7976931348623157e+308"],
  ["4340000000000000", "9007199254740992"],
  ["c340000000000000", "-9007199254740992"],
  ["4430000000000000", "295147905179352830000"],
  ["44b52d02c7e14af5", "9.999999999999997e+22"],
  ["44b52d02c7e14af6", "1e+23"],
  ["44b52d02c7e14af7", "1.0000000000000001e+23"],
  ["444b1ae4d6e2ef4e", "999999999999999700000"],
  ["444b1ae4d6e2ef4f", "999999999999999900000"],
  ["444b1ae4d6e2ef50", "1e+21"],
  ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
  ["3eb0c6f7a0b5ed8d", "0.000001"],
  ["41b3de4355555553", "333333333.3333332"],
  ["41b3de4355555554", "333333333.33333325"],
  ["41b3de4355555555", "333333333.3333333"],
  ["41b3de4355555556", "333333333.3333334"],
  ["41b3de4355555557", "333333333.33333343"],
  ["becbf647612f3696", "-0.0000033333333333333333"],
  ["43143ff3c1cb0959", "1424953923781206.2"], // round to even
];

function notJsonAt(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuditError);
  expect((caught as AuditError).code).toBe("NOT_JSON");
  expect((caught as AuditError).field).toBe(field);
}

describe("canonicalJson (RFC 8785)", () => {
  it("serialises every number of RFC 8785 Appendix B exactly", () => {
    for (const [bits, expected] of APPENDIX_B) {
      expect(canonicalJson(double(bits)), bits).toBe(expected);
      expect(canonicalizeParsed(double(bits)), bits).toBe(expected);
    }
  });

  it("refuses a lone surrogate in a value or a key, and keeps a paired one", () => {
    // U+D83D U+DE00 is 😀; either half alone, or the two reversed, is not Unicode text.
    for (const bad of ["\ud83d", "x\ude00", "\ude00\ud83d", "ok \ud83d"]) {
      notJsonAt(() => canonicalJson({ a: [bad] }), "$.a[0]");
      notJsonAt(() => canonicalJson({ [bad]: 1 }), `$[${JSON.stringify(bad)}]`);
    }
    expect(canonicalJson({ "\ud83d\ude00": "\ud83d\ude00" })).toBe('{"😀":"😀"}');
  });

  it("sorts keys given in any order and leaves keys already in order as they are", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(canonicalJson({ a: 1, b: { c: 3, d: 2 } })).toBe('{"a":1,"b":{"c":3,"d":2}}');
    // Code-unit order: "Z" (U+005A) before "a" (U+0061), "é" (U+00E9) after both.
    expect(canonicalJson({ é: 1, a: 2, Z: 3 })).toBe('{"Z":3,"a":2,"é":1}');
  });

  it("writes minus zero as 0, inside structures too", () => {
    expect(Object.is(double("8000000000000000"), -0)).toBe(true);
    expect(canonicalJson({ a: -0, b: [-0] })).toBe('{"a":0,"b":[0]}');
  });

  it("reproduces the RFC's sample transformation (cyberphone/json-canonicalization values.json)", () => {
    // Input text: {"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
    //  "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}
    const input = JSON.parse(
      '{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],' +
        '"escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals": [null, true, false]}',
    ) as unknown;
    const expected =
      '{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],' +
      '"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}';
    expect(canonicalJson(input)).toBe(expected);
    expect(canonicalizeParsed(input)).toBe(expected);
  });

  it("sorts keys by UTF-16 code units, not by locale (weird.json and french.json)", () => {
    const weird = {
      "\u20ac": "Euro Sign",
      "1": "One",
      "\u0080": "Control\u007f",
      "\ud83d\ude02": "Smiley",
      "\u00f6": "Latin Small Letter O With Diaeresis",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "</script>": "Browser Challenge",
    };
    expect(canonicalJson(weird)).toBe(
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    const french = {
      peach: "This sorting order",
      péché: "is wrong according to French",
      pêche: "but canonicalization MUST",
      sin: "ingnore locale",
    };
    expect(canonicalJson(french)).toBe(
      '{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ingnore locale"}',
    );
  });

  it("gives the same bytes whatever the key order of the input", () => {
    expect(canonicalJson({ b: { y: 1, x: [2, { d: 1, c: 2 }] }, a: null })).toBe(
      canonicalJson({ a: null, b: { x: [2, { c: 2, d: 1 }], y: 1 } }),
    );
  });

  it("treats an undefined property as absent, as JSON does", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it("refuses non-JSON values and names the path of the first one", () => {
    notJsonAt(() => canonicalJson({ a: [1, Number.NaN] }), "$.a[1]");
    notJsonAt(() => canonicalJson({ a: Number.POSITIVE_INFINITY }), "$.a");
    notJsonAt(() => canonicalJson([Number.NEGATIVE_INFINITY]), "$[0]");
    notJsonAt(() => canonicalJson({ list: [1, undefined] }), "$.list[1]");
    // eslint-disable-next-line no-sparse-arrays
    notJsonAt(() => canonicalJson([1, , 3]), "$[1]");
    notJsonAt(() => canonicalJson({ f: () => 1 }), "$.f");
    notJsonAt(() => canonicalJson({ s: Symbol("x") }), "$.s");
    notJsonAt(() => canonicalJson({ n: 10n }), "$.n");
    notJsonAt(() => canonicalJson({ when: new Date(0) }), "$.when");
    notJsonAt(() => canonicalJson({ m: new Map() }), "$.m");
    notJsonAt(() => canonicalJson({ bytes: new Uint8Array(2) }), "$.bytes");
    class Money {
      readonly cents = 1;
    }
    notJsonAt(() => canonicalJson({ "odd key": { x: new Money() } }), '$["odd key"].x');
    notJsonAt(() => canonicalJson({ s: "\ud800" }), "$.s");
    notJsonAt(() => canonicalJson({ ["\udc00"]: 1 }), '$["\\udc00"]');
    notJsonAt(() => canonicalJson(undefined, "payload"), "payload");
  });

  it("refuses cycles and excessive nesting", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    notJsonAt(() => canonicalJson(cyclic), "$.self.back");
    let deep: unknown = 1;
    for (let i = 0; i < CANONICAL_MAX_DEPTH + 1; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nesting deeper/);
  });

  it("accepts a value shared twice (a repeat is not a cycle)", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it("accepts objects without a prototype", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 1;
    bare.a = 2;
    expect(canonicalJson(bare)).toBe('{"a":2,"z":1}');
    expect(() => assertJsonValue(bare)).not.toThrow();
  });
});

describe("isCanonicalJson", () => {
  it("accepts canonical text and rejects reordered, spaced or re-formatted text", () => {
    expect(isCanonicalJson('{"a":1,"b":[true,null]}')).toBe(true);
    expect(isCanonicalJson('{"b":[true,null],"a":1}')).toBe(false);
    expect(isCanonicalJson('{"a": 1}')).toBe(false);
    expect(isCanonicalJson('{"a":1.0}')).toBe(false);
    expect(isCanonicalJson('{"a":"\\u0041"}')).toBe(false);
    expect(isCanonicalJson("not json")).toBe(false);
    expect(isCanonicalJson('"\\ud800"')).toBe(false);
  });
});

describe("jsonEqual", () => {
  it("compares objects as unordered key sets and arrays in order", () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual("1", 1)).toBe(false);
  });
});

describe("isCanonicalParsed", () => {
  it("agrees with the full re-serialisation, including integer-like keys JavaScript reorders", () => {
    const texts = [
      '{"a":1,"b":[2,{"c":null}]}',
      '{"b":1,"a":2}',
      '{"10":true,"9":null}', // canonical (code-unit order) though JS objects enumerate 9 first
      '{"9":null,"10":true}',
      '{"a":1.0}',
      '{"a":1,"a":2}',
      '{"a":"\\u0041"}',
      "[1e21]",
      "[1e+21]",
    ];
    for (const text of texts) {
      const parsed = JSON.parse(text) as unknown;
      expect(isCanonicalParsed(parsed, text), text).toBe(canonicalizeParsed(parsed) === text);
    }
    expect(isCanonicalParsed(JSON.parse('{"10":true,"9":null}'), '{"10":true,"9":null}')).toBe(
      true,
    );
    expect(isCanonicalParsed(JSON.parse('{"b":1,"a":2}'), '{"b":1,"a":2}')).toBe(false);
  });
});

describe("doc examples", () => {
  it("hold as written", () => {
    expect(canonicalJson({ b: [1e21, -0, 4.5], a: "€" })).toBe('{"a":"€","b":[1e+21,0,4.5]}');
    expect(canonicalizeParsed(JSON.parse('{"b":1e30,"a":[4.50,"\\u20ac"]}'))).toBe(
      '{"a":[4.5,"€"],"b":1e+30}',
    );
    expect(() => assertJsonValue({ a: [1, Number.NaN] }, "payload")).toThrow(
      "payload.a[1]: NaN is not a JSON number",
    );
    expect(isCanonicalParsed(JSON.parse('{"a":1,"b":[2]}'), '{"a":1,"b":[2]}')).toBe(true);
  });
});

describe("canonicalJson against the canonicalize package (an independent RFC 8785 implementation)", () => {
  it("writes the same text for generated JSON values, undefined properties and -0 included", () => {
    const withExtras = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom(-0, 1e21, 5e-324, -1.7976931348623157e308),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(
          fc.string({ unit: "binary-ascii" }),
          fc.option(tie("value"), { nil: undefined }),
          {
            maxKeys: 5,
          },
        ),
      ),
    })).value;
    fc.assert(
      fc.property(withExtras, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500, seed: 8785 },
    );
  });
});
