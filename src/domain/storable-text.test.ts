import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storableDeep, storableText } from "./storable-text.ts";

/** What Postgres jsonb refuses in a string, as JSON.stringify writes it. */
const REFUSED =
  /\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i;

describe("storableText", () => {
  it("drops NUL and replaces lone surrogates, keeping pairs and everything else", () => {
    expect(storableText("a\u0000b")).toBe("ab");
    expect(storableText("x\uD800y")).toBe("x\uFFFDy");
    expect(storableText("x\uDC00y")).toBe("x\uFFFDy");
    expect(storableText("emoji 😀 ok")).toBe("emoji 😀 ok");
    expect(storableText("tab\tnew\nline é")).toBe("tab\tnew\nline é");
  });

  it("leaves no string Postgres refuses, for any input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(JSON.stringify(storableText(s))).not.toMatch(REFUSED);
      }),
      { numRuns: 300 },
    );
  });

  it("walks arrays, objects and keys, and leaves other values alone", () => {
    const at = new Date(0);
    expect(storableDeep({ "k\u0000": ["a\u0000", { b: "\uD800" }], n: 1, at, none: null })).toEqual(
      { k: ["a", { b: "\uFFFD" }], n: 1, at, none: null },
    );
  });
});
