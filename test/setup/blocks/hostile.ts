/**
 * fast-check builders of hostile input, whatever the view model: untrusted text with
 * mrkdwn control sequences, mentions, emoji and surrogate pairs, 10,000-character strings,
 * malformed URLs and timestamps, out-of-range numbers, and lists that are sometimes very
 * long. test/setup/blocks/arbitraries.ts builds the view models from them. Test-only.
 */
import fc from "fast-check";

/** Sequences Slack would act on, or that break mrkdwn, if they reached it unescaped. */
const HOSTILE_PIECES = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<@U123>",
  "<#C123>",
  "<!subteam^S123>",
  "<http://x|y>",
  "<http://evil|click>",
  "<!date^1^{date}|x>",
  "```",
  "`",
  "``",
  "&",
  "&amp;",
  "&lt;",
  "<",
  ">",
  "|",
  "*bold*",
  "_it_",
  "~s~",
  "\n",
  "\r\n",
  "😀",
  "👩‍👩‍👧",
  "🇺🇦",
  "e\u0301",
  "\u200b",
  "DROP TABLE users; --",
] as const;

/** The markers that must never appear verbatim in any rendered payload. */
export const FORBIDDEN_MARKERS = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<@U123>",
  "<#C123>",
  "<!subteam",
  "<http://x|y>",
  "<http://evil|click>",
  "<!date^1^",
];

const piece = fc.constantFrom(...HOSTILE_PIECES);

/** A string of 1,000 to 10,000 characters built from one repeated piece. */
const huge = fc
  .tuple(
    fc.oneof(piece, fc.string({ unit: "binary", minLength: 1, maxLength: 8 })),
    fc.integer({ min: 1_000, max: 10_000 }),
  )
  .map(([p, n]) => p.repeat(Math.ceil(n / p.length)));

/** Untrusted text: short, hostile, emoji-laden or huge. Always well-formed UTF-16. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(piece, fc.string({ maxLength: 6 })), { maxLength: 12 })
      .map((a) => a.join("")),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: huge },
);

/** A non-empty identifier-ish string that may still be hostile. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Z]{2,5}-[0-9]{1,5}$/),
  hostileText.filter((s) => s.length > 0),
);

/** URLs as upstream data may carry them: good, malformed, non-http, hostile. */
export const hostileUrl: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl(),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    "https://linear.app/acme/issue/ENG-1",
    "http://x|y>",
    "javascript:alert(1)",
    "<!channel>",
    "https://evil.example/a b|c",
    "https://user:pw@host.example/",
    "https://a.example/?q=<@U123>&x=1",
    "https://a.example/path|<!here>",
    `https://a.example/${"a".repeat(5_000)}`,
    "ftp://files.example/x",
    "",
  ),
  hostileText,
);

/** Valid timestamps mostly, sometimes garbage. */
export const timestamp: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  // Before 1970 the Unix time is negative, which Slack's date token cannot take.
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date("1900-01-01"), max: new Date("1969-12-31"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { weight: 1, arbitrary: hostileText },
);

/** The renderer's clock. */
export const now: fc.Arbitrary<Date> = fc.date({
  min: new Date("2000-01-01"),
  max: new Date("2100-01-01"),
  noInvalidDate: true,
});

/** Numbers a bug upstream could produce, not only 0–100. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -20, max: 120 }) },
  { weight: 1, arbitrary: fc.double() },
);

/** Lists that are usually short and sometimes very long (`hugeLength` items). */
export function list<T>(item: fc.Arbitrary<T>, hugeLength: number): fc.Arbitrary<T[]> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(item, { maxLength: 6 }) },
    {
      weight: 1,
      arbitrary: fc
        .array(item, { minLength: 1, maxLength: 3 })
        .map((seed) => Array.from({ length: hugeLength }, (_, i) => seed[i % seed.length] as T)),
    },
  );
}

/** A value or undefined (an optional field of a view model). */
export function opt<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}
