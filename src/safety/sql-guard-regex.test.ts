import { describe, expect, it } from "vitest";
import { jsonpathRegexes, regexProblem } from "./sql-guard-regex.ts";
import { intervalSeconds } from "./sql-guard-series.ts";

describe("regexProblem", () => {
  it.each([
    "^[a-z]+@example\\.com$",
    "@.*",
    "(foo|bar)",
    "^\\d{4}-\\d{2}-\\d{2}$",
    "(ab)+",
    "[(+)*]+",
    "a{2,100}",
    "***=(a+)+",
    "(?:abc)?x+",
  ])("allows %s", (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each([
    ["(a+)+$", "nested quantifier"],
    ["(a*)*", "nested quantifier"],
    ["((ab)*c)+", "nested quantifier"],
    ["(a?)+", "nested quantifier"],
    ["(.*a){20}", "nested quantifier"],
    ["(?:x+y?)*z", "nested quantifier"],
    ["(a|aa)+$", "repeated alternation"],
    ["(a)\\1", "back-references"],
    ["a{101}", "repetition count above 100"],
    ["a{1,1000}", "repetition count above 100"],
    ["x".repeat(501), "too long"],
  ])("refuses %s", (pattern, reason) => {
    expect(regexProblem(pattern)).toContain(reason);
  });

  it("reads SIMILAR TO wildcards as the regex Postgres builds", () => {
    expect(regexProblem("%@example.com", "similar")).toBeUndefined();
    expect(regexProblem("(%a)+", "similar")).toContain("nested quantifier");
    expect(regexProblem("(a+)+", "similar")).toContain("nested quantifier");
  });

  it("finds the patterns of like_regex in a jsonpath", () => {
    expect(jsonpathRegexes('$.a ? (@ like_regex "^p\\"x" flag "i") && like_regex "(a+)+"')).toEqual(
      ['^p"x', "(a+)+"],
    );
  });
});

describe("intervalSeconds", () => {
  it.each([
    ["1 hour", 3_600],
    ["23 hours", 82_800],
    ["1 day 2 hours", 93_600],
    ["30 min", 1_800],
    ["1 second", 1],
    ["-1 hour", -3_600],
    ["1 hour ago", -3_600],
    ["00:05:00", 300],
    ["1 day 01:00", 90_000],
    ["2 weeks", 1_209_600],
    ["1 mon", 2_592_000],
    ["100 years", 3_155_760_000],
  ])("%s → %d s", (text, seconds) => {
    expect(intervalSeconds(text)).toBe(seconds);
  });

  it.each(["P1D", "forever", "", "1 fortnight"])("cannot read %s", (text) => {
    expect(intervalSeconds(text)).toBeUndefined();
  });
});
