import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { hostileText, hostileUrl, now, opt, timestamp } from "../test/setup/blocks/hostile.ts";
import {
  MAX_REVIEW_EXCERPT,
  MAX_REVIEW_EXCERPT_LINES,
  type PrReviewView,
  renderPrReview,
  reviewExcerpt,
} from "./pr-review.ts";

const NOW = new Date("2025-03-04T03:20:00Z");

const review: PrReviewView = {
  kind: "review",
  reviewer: "reviewer-ana",
  pr: { number: 42, url: "https://github.com/acme/api/pull/42" },
  state: "changes_requested",
  body: "The null check is right, but the test misses the empty-list case.\n\nPlease add it.",
  url: "https://github.com/acme/api/pull/42#pullrequestreview-7",
  at: "2025-03-04T03:10:00Z",
};

const comment: PrReviewView = {
  kind: "comment",
  reviewer: "reviewer-bo",
  pr: { number: 42, url: "https://github.com/acme/api/pull/42" },
  path: "src/onboarding/handler.ts",
  line: 18,
  startLine: 14,
  body: "Could this return early instead?",
  url: "https://github.com/acme/api/pull/42#discussion_r9",
};

const textOf = (m: ReturnType<typeof renderPrReview>) => JSON.stringify(m.blocks);

describe("the PR review thread reply", () => {
  it("a review names the reviewer, the state, the PR and quotes the body, linked to GitHub", () => {
    const rendered = renderPrReview(review, NOW);
    assertSafeRender(rendered, "message", review);
    expect(rendered).toMatchSnapshot();
    const text = textOf(rendered);
    expect(text).toContain(
      "*reviewer-ana* requested changes on <https://github.com/acme/api/pull/42|PR #42>",
    );
    expect(text).toContain(">The null check is right");
    expect(text).toContain(
      "<https://github.com/acme/api/pull/42#pullrequestreview-7|Review on GitHub>",
    );
    expect(rendered.text).toMatch(/^reviewer-ana requested changes on PR #42: The null check/);
  });

  it("each review state has its own words; an unknown one is shown escaped", () => {
    const words = (state: string) => textOf(renderPrReview({ ...review, state }, NOW));
    expect(words("approved")).toContain(":white_check_mark: *reviewer-ana* approved");
    expect(words("commented")).toContain("reviewed (comments only)");
    expect(words("<!here>")).toContain("reviewed (&lt;!here&gt;)");
  });

  it("a review comment names the file and line range", () => {
    const rendered = renderPrReview(comment, NOW);
    assertSafeRender(rendered, "message", comment);
    expect(textOf(rendered)).toContain(
      "*reviewer-bo* commented on `src/onboarding/handler.ts:14-18` in <https://github.com/acme/api/pull/42|PR #42>",
    );
    const single = renderPrReview({ ...comment, startLine: undefined }, NOW);
    expect(textOf(single)).toContain("`src/onboarding/handler.ts:18`");
  });

  it("an approval without text has no quote", () => {
    const rendered = renderPrReview({ ...review, state: "approved", body: "" }, NOW);
    expect(rendered.blocks).toHaveLength(2);
    expect(rendered.text).toBe("reviewer-ana approved PR #42");
  });

  it("a long body is cut by lines and by characters, and says the rest is on GitHub", () => {
    const many = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const byLines = reviewExcerpt(many)!;
    expect(byLines.cut).toBe(true);
    expect(byLines.quote.split("\n")).toHaveLength(MAX_REVIEW_EXCERPT_LINES);
    const long = reviewExcerpt("x".repeat(5_000))!;
    expect(long.cut).toBe(true);
    expect(long.quote.length).toBeLessThanOrEqual(MAX_REVIEW_EXCERPT + 2);
    expect(long.quote.endsWith("…")).toBe(true);
    const rendered = renderPrReview({ ...review, body: many }, NOW);
    expect(textOf(rendered)).toContain("the full text is on GitHub");
    expect(reviewExcerpt("short")!.cut).toBe(false);
  });

  it("Slack tokens in what the reviewer wrote are escaped, and a bad URL is not a link", () => {
    const hostile: PrReviewView = {
      ...comment,
      reviewer: "<@U123>",
      path: "a`b<!channel>.ts",
      body: "> quote\n<!channel> see <http://evil|click> & <!subteam^S1>",
      url: "javascript:alert(1)",
      pr: { number: 1, url: "http://x|y>" },
    };
    const rendered = renderPrReview(hostile, NOW);
    assertSafeRender(rendered, "message", hostile);
    const text = textOf(rendered);
    // Each quoted line starts with prode's own `>`; the reviewer's `>` is text.
    expect(text).toContain(">&gt; quote\\n>&lt;!channel&gt; see &lt;http://evil|click&gt; &amp;");
    expect(text).not.toContain("javascript:");
  });

  it("whatever GitHub sends, the reply stays within Slack's limits and escapes it", () => {
    const view: fc.Arbitrary<PrReviewView> = fc.record(
      {
        kind: fc.constantFrom("review" as const, "comment" as const),
        reviewer: hostileText,
        pr: fc.record(
          { number: fc.integer({ min: 1 }), url: opt(hostileUrl) },
          {
            requiredKeys: ["number"],
          },
        ),
        state: opt(hostileText),
        path: opt(hostileText),
        line: opt(fc.integer({ min: 0 })),
        startLine: opt(fc.integer({ min: 0 })),
        body: hostileText,
        url: hostileUrl,
        at: opt(timestamp),
      },
      { requiredKeys: ["kind", "reviewer", "pr", "body", "url"] },
    ) as fc.Arbitrary<PrReviewView>;
    fc.assert(
      fc.property(view, now, (v, at) => {
        assertSafeRender(renderPrReview(v, at), "message", v);
      }),
      { numRuns: 150 },
    );
  });
});
