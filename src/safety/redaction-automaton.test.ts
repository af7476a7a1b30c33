import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildKeywordAutomaton } from "./redaction-automaton.ts";

const KEYWORDS = [["token", "key"], ["@"], ["xox", "aws"], ["he", "she", "his", "hers"]];

/** The reference: for each line, which rules have a keyword on it (ASCII case folded). */
function naive(text: string) {
  const starts: number[] = [];
  const masks: number[] = [];
  let start = 0;
  for (const line of text.split("\n")) {
    const folded = line.replace(/[A-Z]/g, (c) => c.toLowerCase());
    let mask = 0;
    KEYWORDS.forEach((words, r) => {
      if (words.some((w) => folded.includes(w))) mask |= 1 << r;
    });
    if (mask !== 0) {
      starts.push(start);
      masks.push(mask);
    }
    start += line.length + 1;
  }
  return { starts, masks };
}

describe("keyword automaton", () => {
  const automaton = buildKeywordAutomaton(KEYWORDS);

  it("marks each line with the rules whose keywords occur on it", () => {
    const text = "no match\nTOKEN now\nmail a@b and XOX\nushers\n\nAws";
    expect(automaton.scan(text)).toEqual({ starts: [9, 19, 36, 44], masks: [1, 6, 8, 4] });
    expect(automaton.containsAny("nothing")).toBe(false);
    expect(automaton.containsAny("…Key…")).toBe(true);
  });

  it("agrees with a naive search on random text, overlapping keywords included", () => {
    const alphabet = fc.constantFrom(..."tokeyAWSxo@hesirK\n ſİé".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), (chars) => {
        const text = chars.join("");
        expect(automaton.scan(text)).toEqual(naive(text));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses keywords it could not match as written", () => {
    expect(() => buildKeywordAutomaton([["Token"]])).toThrow(RangeError);
    expect(() => buildKeywordAutomaton([[""]])).toThrow(RangeError);
    expect(() => buildKeywordAutomaton([["ümlaut"]])).toThrow(RangeError);
  });
});
