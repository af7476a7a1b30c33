import type { KnownBlock } from "@slack/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeMrkdwn, link } from "./escape.ts";
import {
  enforceLimits,
  fitLines,
  fitList,
  MAX_MESSAGE_BLOCKS,
  MAX_SECTION_TEXT,
  MAX_VIEW_BLOCKS,
  truncate,
  truncateMrkdwn,
} from "./limits.ts";
import { findSlackLimitViolations, findUnsafeTokens } from "./validate.ts";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("truncate", () => {
  it("keeps short text as it is", () => {
    expect(truncate("abc", 3)).toBe("abc");
  });

  it("cuts with an ellipsis inside the limit", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
  });

  it("never splits a surrogate pair: the emoji goes whole", () => {
    // "ab😀" is 4 code units; cutting at 3 would leave half of the emoji.
    expect(truncate("ab😀cd", 4)).toBe("ab…");
  });

  it("is within max and well-formed for any well-formed input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: 0, max: 50 }), (s, max) => {
        const out = truncate(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(LONE_SURROGATE.test(out)).toBe(false);
        if (s.length <= max) expect(out).toBe(s);
        else expect(out.endsWith("…") || out === "").toBe(true);
      }),
    );
  });
});

describe("truncateMrkdwn", () => {
  it("does not cut inside a link token", () => {
    const text = `see ${link("https://linear.app/acme/issue/ENG-1", "ENG-1")} now`;
    const out = truncateMrkdwn(text, 20);
    expect(out).toBe("see …");
  });

  it("does not cut inside an entity", () => {
    expect(truncateMrkdwn("a &amp; b", 5)).toBe("a …");
  });

  it("closes a code fence left open by the cut", () => {
    const out = truncateMrkdwn(`\`\`\`${"x".repeat(100)}\`\`\``, 30);
    expect(out.length).toBeLessThanOrEqual(30);
    expect(out.match(/```/g)).toHaveLength(2);
  });

  it("keeps escaped text free of tokens whatever the cut", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 60 }), (s, max) => {
        const out = truncateMrkdwn(escapeMrkdwn(s), max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(findUnsafeTokens(out)).toEqual([]);
        expect(out).not.toMatch(/&[a-z]*…$/);
      }),
    );
  });
});

describe("fitList", () => {
  it("counts what it leaves out and links the full artifact", () => {
    const items = Array.from({ length: 12 }, (_, i) => `item ${i}`);
    const out = fitList(items, 10, "https://prode.example/a/1");
    expect(out).toHaveLength(11);
    expect(out[10]).toBe("…and 2 more — see <https://prode.example/a/1|full artifact>");
  });

  it("adds nothing when everything fits", () => {
    expect(fitList(["a", "b"], 5)).toEqual(["a", "b"]);
  });
});

describe("fitLines", () => {
  it("shows whole lines that fit and counts every line left out", () => {
    const lines = Array.from({ length: 1_000 }, (_, i) => `• fact ${i} ${"x".repeat(90)}`);
    const out = fitLines(lines, MAX_SECTION_TEXT);
    expect(out.length).toBeLessThanOrEqual(MAX_SECTION_TEXT);
    const shown = out.split("\n").filter((l) => l.startsWith("• fact")).length;
    expect(out).toContain(`…and ${1_000 - shown} more`);
  });

  it("honours maxItems", () => {
    expect(fitLines(["a", "b", "c"], 100, { maxItems: 1 })).toBe("a\n…and 2 more");
  });

  it("shows the start of a single line longer than the budget", () => {
    const out = fitLines(["y".repeat(5_000)], 100);
    expect(out).toHaveLength(100);
    expect(out.endsWith("…")).toBe(true);
  });
});

describe("enforceLimits", () => {
  it("replaces trailing blocks with one notice that counts them and links the artifact", () => {
    const blocks: KnownBlock[] = Array.from({ length: 70 }, (_, i) => ({
      type: "section",
      text: { type: "mrkdwn", text: `block ${i}` },
    }));
    const out = enforceLimits(blocks, {
      maxBlocks: MAX_MESSAGE_BLOCKS,
      moreUrl: "https://prode.example/r",
    });
    expect(out).toHaveLength(MAX_MESSAGE_BLOCKS);
    expect(out.at(-1)).toEqual({
      type: "context",
      elements: [
        { type: "mrkdwn", text: "…and 21 more — see <https://prode.example/r|full artifact>" },
      ],
    });
  });

  it("makes an invalid message valid: texts, fields, elements, ids, empties", () => {
    const long = "z".repeat(10_000);
    const blocks = [
      { type: "header", text: { type: "plain_text", text: long } },
      { type: "section", block_id: "b".repeat(300), text: { type: "mrkdwn", text: long } },
      { type: "section", block_id: "b".repeat(300), text: { type: "mrkdwn", text: "" } },
      {
        type: "section",
        fields: Array.from({ length: 14 }, () => ({ type: "mrkdwn", text: long })),
      },
      {
        type: "context",
        elements: Array.from({ length: 12 }, () => ({ type: "mrkdwn", text: long })),
      },
      {
        type: "actions",
        elements: Array.from({ length: 30 }, (_, i) => ({
          type: "button",
          text: { type: "plain_text", text: long },
          action_id: `a${i}${"x".repeat(300)}`.slice(0, 300 - i),
          value: long,
          confirm: {
            title: { type: "plain_text", text: long },
            text: { type: "plain_text", text: long },
            confirm: { type: "plain_text", text: long },
            deny: { type: "plain_text", text: long },
          },
        })),
      },
    ] as KnownBlock[];
    expect(findSlackLimitViolations({ text: "t", blocks }, "message").length).toBeGreaterThan(10);
    const out = enforceLimits(blocks, { maxBlocks: MAX_MESSAGE_BLOCKS });
    // Action ids were cut to 255 and stayed unique only because they differed in the first 255.
    expect(findSlackLimitViolations({ text: "t", blocks: out }, "message")).toEqual([]);
    const fields = (out[3] as { fields: { text: string }[] }).fields;
    expect(fields).toHaveLength(10);
    expect(fields[9]?.text).toBe("…and 5 more");
  });

  it("lets views keep 100 blocks", () => {
    const blocks: KnownBlock[] = Array.from({ length: 120 }, () => ({ type: "divider" }));
    expect(enforceLimits(blocks, { maxBlocks: MAX_VIEW_BLOCKS })).toHaveLength(MAX_VIEW_BLOCKS);
  });
});
