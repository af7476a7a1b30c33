import { describe, expect, it } from "vitest";
import { parseWikiIndex } from "./wiki-index.ts";
import { parseWikiPage } from "./wiki-page.ts";

const FRONTMATTER = [
  "---",
  "id: sample-page",
  "title: Sample",
  "services: [sample-api]",
  "signals: { keywords: [sample failure] }",
  "owner: team-sample",
  "reviewed_at: 2026-10-01",
  "status: active",
  "---",
];

const FENCE = "```";

function page(body: string[], frontmatter: string[] = FRONTMATTER): string {
  return [...frontmatter, "", ...body].join("\n");
}

const GOOD_BODY = [
  "# Sample",
  "",
  "## Failure modes",
  "",
  "- **One.** It breaks",
  "  across two lines.",
  "- Two.",
  "",
  "## Query recipes",
  "",
  "### count-rows",
  "",
  "Counts rows since a time.",
  "",
  `${FENCE}yaml`,
  "specialist: db",
  "params:",
  '  since: { type: timestamp, description: start, example: "2026-11-20T00:00:00Z" }',
  "sql: |",
  "  SELECT count(*) AS n FROM t WHERE t.created_at >= {{since}}",
  "  -- ## not a heading inside a fence",
  FENCE,
  "",
  "## Negative controls",
  "",
  "### no-5xx",
  "",
  `${FENCE}yaml`,
  "specialist: aws",
  "metrics:",
  "  - { namespace: AWS/ApplicationELB, name: HTTPCode_Target_5XX_Count, stat: Sum, period_seconds: 60, window_minutes: 60 }",
  "negative_when: flat",
  FENCE,
  "",
  "## Past conclusions",
  "",
  "- 2026-01-01 (ENG-1): it was the cache.",
  "",
  "## Notes for humans",
  "",
  "Ignored by prode.",
];

function reasonOf(text: string): string {
  const parsed = parseWikiPage(text, "wiki/sample-page.md");
  if (parsed.ok) throw new Error("expected the page to be refused");
  return parsed.reason;
}

describe("parseWikiPage", () => {
  it("reads frontmatter, the four sections, recipes and controls", () => {
    const parsed = parseWikiPage(page(GOOD_BODY), "wiki/sample-page.md");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const p = parsed.page;
    expect(p).toMatchObject({
      id: "sample-page",
      services: ["sample-api"],
      signals: { labels: [], sentryTags: [], keywords: ["sample failure"] },
      reviewedAt: "2026-10-01",
      reviewEveryDays: 90,
      status: "active",
      failureModes: ["**One.** It breaks across two lines.", "Two."],
      pastConclusions: ["2026-01-01 (ENG-1): it was the cache."],
    });
    expect(p.recipes).toHaveLength(1);
    expect(p.recipes[0]).toMatchObject({
      name: "count-rows",
      specialist: "db",
      purpose: "Counts rows since a time.",
      params: { since: { type: "timestamp", example: "2026-11-20T00:00:00Z" } },
    });
    expect(p.recipes[0]?.sql).toContain("-- ## not a heading inside a fence");
    expect(p.negativeControls[0]).toMatchObject({
      name: "no-5xx",
      specialist: "aws",
      negativeWhen: "flat",
    });
  });

  it("parses sentry tags as key or key=value", () => {
    const fm = FRONTMATTER.map((l) =>
      l.startsWith("signals:")
        ? 'signals: { sentry_tags: [client.os, "http.status_code=400"] }'
        : l,
    );
    const parsed = parseWikiPage(page(GOOD_BODY, fm), "p.md");
    expect(parsed.ok && parsed.page.signals.sentryTags).toEqual([
      { key: "client.os" },
      { key: "http.status_code", value: "400" },
    ]);
  });

  it("ignores prose in past conclusions: only list items become hypotheses", () => {
    const body = GOOD_BODY.map((l) => (l.startsWith("- 2026-01-01") ? "None yet." : l));
    const parsed = parseWikiPage(page(body), "p.md");
    expect(parsed.ok && parsed.page.pastConclusions).toEqual([]);
  });

  it.each([
    ["no frontmatter", GOOD_BODY.join("\n"), /^no YAML frontmatter/],
    [
      "invalid YAML",
      page(GOOD_BODY, ["---", "id: x", "title: [oops", "---"]),
      /^frontmatter is not valid YAML/,
    ],
    [
      "a misspelled key",
      page(GOOD_BODY, [...FRONTMATTER.slice(0, -1), "reviewd_at: 2026-01-01", "---"]),
      /^frontmatter .*reviewd_at/,
    ],
    [
      "an unknown status",
      page(
        GOOD_BODY,
        FRONTMATTER.map((l) => (l === "status: active" ? "status: live" : l)),
      ),
      /^frontmatter status:/,
    ],
    [
      "a person as owner",
      page(
        GOOD_BODY,
        FRONTMATTER.map((l) => (l.startsWith("owner") ? "owner: Jane Doe" : l)),
      ),
      /^frontmatter owner: a team handle/,
    ],
    [
      "an intake label as a signal",
      page(
        GOOD_BODY,
        FRONTMATTER.map((l) => (l.startsWith("signals") ? "signals: { labels: [prode] }" : l)),
      ),
      /intake labels/,
    ],
    [
      "nothing to match on",
      page(
        GOOD_BODY,
        FRONTMATTER.filter((l) => !l.startsWith("signals") && !l.startsWith("services")),
      ),
      /could never be selected/,
    ],
    [
      "a missing section",
      page(GOOD_BODY.filter((l) => l !== "## Negative controls")),
      /missing section "## negative controls"/,
    ],
    [
      "an undeclared placeholder",
      page(GOOD_BODY.map((l) => l.replace("{{since}}", "{{until}}"))),
      /\{\{until\}\} is not declared/,
    ],
    [
      "SQL on a non-db specialist",
      page(GOOD_BODY.map((l) => (l === "specialist: db" ? "specialist: sentry" : l))),
      /only the db specialist runs SQL/,
    ],
    [
      "a control without negative_when",
      page(GOOD_BODY.filter((l) => l !== "negative_when: flat")),
      /a negative control states negative_when/,
    ],
    [
      "a recipe with two blocks",
      page(
        GOOD_BODY.flatMap((l) =>
          l === "Counts rows since a time." ? [l, FENCE, "x", FENCE] : [l],
        ),
      ),
      /exactly one fenced YAML block, found 2/,
    ],
    [
      "a recipe name that is not kebab-case",
      page(GOOD_BODY.map((l) => (l === "### count-rows" ? "### Count rows" : l))),
      /must be kebab-case/,
    ],
    [
      "duplicate recipe names",
      page(
        GOOD_BODY.flatMap((l) =>
          l === "## Negative controls" ? [...GOOD_BODY.slice(10, 22), "", l] : [l],
        ),
      ),
      /recipe "count-rows" appears twice/,
    ],
  ])("refuses a page with %s, saying why", (_what, text, reason) => {
    expect(reasonOf(text)).toMatch(reason);
  });
});

describe("parseWikiIndex", () => {
  it("registers list links under ## Pages only, with their lines", () => {
    const text = [
      "# Index",
      "- [not-registered](elsewhere.md): prose list above the section",
      "## Pages",
      "- [a-page](a-page.md): first",
      "* [b-page](sub/b-page.md) — second",
      "## Other",
      "- [c-page](c-page.md): not in Pages",
    ].join("\n");
    expect(parseWikiIndex(text)).toEqual({
      entries: [
        { id: "a-page", file: "a-page.md", description: "first", line: 4 },
        { id: "b-page", file: "sub/b-page.md", description: "second", line: 5 },
      ],
      problems: [],
    });
  });

  it("refuses duplicates, bad ids and paths that leave the directory", () => {
    const text = [
      "## Pages",
      "- [a](a.md)",
      "- [a](a-again.md)",
      "- [Bad_Id](bad.md)",
      "- [abs](/etc/passwd.md)",
      "- [txt](notes.txt)",
    ].join("\n");
    const parsed = parseWikiIndex(text);
    expect(parsed.entries.map((e) => e.id)).toEqual(["a"]);
    expect(parsed.problems).toEqual([
      'index.md:3: page "a" is already registered on line 2',
      'index.md:4: page id "Bad_Id" is not kebab-case',
      "index.md:5: /etc/passwd.md: the path must be relative",
      "index.md:6: notes.txt: a page is a .md file",
    ]);
  });

  it("an index without ## Pages registers nothing and says so", () => {
    expect(parseWikiIndex("# Index\n- [a](a.md)\n")).toEqual({
      entries: [],
      problems: ['index.md has no "## Pages" section: no page is registered'],
    });
  });
});
