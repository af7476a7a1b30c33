import { describe, expect, it } from "vitest";
import { AppError } from "../src/domain/errors.ts";
import { assertWithinSlackLimits, findSlackLimitViolations, findUnsafeTokens } from "./validate.ts";

const mrkdwn = (text: string) => ({ type: "mrkdwn", text });
const plain = (text: string) => ({ type: "plain_text", text });
const section = (text: string) => ({ type: "section", text: mrkdwn(text) });
const button = (extra: Record<string, unknown> = {}) => ({
  type: "button",
  text: plain("Go"),
  action_id: "go",
  ...extra,
});
const x = (n: number) => "x".repeat(n);

/** The violations of a message made of these blocks. */
function violations(blocks: unknown[], text = "fallback"): string[] {
  return findSlackLimitViolations({ text, blocks }, "message");
}

describe("findSlackLimitViolations", () => {
  it("accepts a message at every limit exactly", () => {
    const blocks = [
      { type: "header", text: plain(x(150)) },
      section(x(3_000)),
      { type: "section", fields: Array.from({ length: 10 }, () => mrkdwn(x(2_000))) },
      { type: "context", elements: Array.from({ length: 10 }, () => mrkdwn("c")) },
      {
        type: "actions",
        block_id: x(255),
        elements: Array.from({ length: 25 }, (_, i) =>
          button({ action_id: `${i}${x(250)}`, text: plain(x(75)), value: x(2_000) }),
        ),
      },
      ...Array.from({ length: 45 }, () => ({ type: "divider" })),
    ];
    expect(violations(blocks, x(4_000))).toEqual([]);
  });

  it.each([
    ["51 blocks in a message", Array.from({ length: 51 }, () => ({ type: "divider" })), "blocks"],
    ["section text over 3,000", [section(x(3_001))], "blocks[0].text.text"],
    ["empty section text", [section("")], "blocks[0].text.text"],
    ["section without text or fields", [{ type: "section" }], "blocks[0]"],
    [
      "11 fields",
      [{ type: "section", fields: Array.from({ length: 11 }, () => mrkdwn("f")) }],
      "blocks[0].fields",
    ],
    [
      "a field over 2,000",
      [{ type: "section", fields: [mrkdwn(x(2_001))] }],
      "blocks[0].fields[0].text",
    ],
    ["header over 150", [{ type: "header", text: plain(x(151)) }], "blocks[0].text.text"],
    ["mrkdwn header", [{ type: "header", text: mrkdwn("h") }], "blocks[0].text.type"],
    [
      "11 context elements",
      [{ type: "context", elements: Array.from({ length: 11 }, () => mrkdwn("c")) }],
      "blocks[0].elements",
    ],
    [
      "26 actions elements",
      [
        {
          type: "actions",
          elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })),
        },
      ],
      "blocks[0].elements",
    ],
    [
      "button text over 75",
      [{ type: "actions", elements: [button({ text: plain(x(76)) })] }],
      "blocks[0].elements[0].text.text",
    ],
    [
      "mrkdwn button text",
      [{ type: "actions", elements: [button({ text: mrkdwn("Go") })] }],
      "blocks[0].elements[0].text.type",
    ],
    [
      "button value over 2,000",
      [{ type: "actions", elements: [button({ value: x(2_001) })] }],
      "blocks[0].elements[0].value",
    ],
    [
      "button url not http",
      [{ type: "actions", elements: [button({ url: "javascript:x" })] }],
      "blocks[0].elements[0].url",
    ],
    [
      "button style",
      [{ type: "actions", elements: [button({ style: "green" })] }],
      "blocks[0].elements[0].style",
    ],
    [
      "action_id over 255",
      [{ type: "actions", elements: [button({ action_id: x(256) })] }],
      "blocks[0].elements[0].action_id",
    ],
    [
      "duplicate action_id",
      [{ type: "actions", elements: [button(), button()] }],
      "blocks[0].elements[1].action_id",
    ],
    ["block_id over 255", [{ type: "divider", block_id: x(256) }], "blocks[0].block_id"],
    [
      "duplicate block_id",
      [
        { type: "divider", block_id: "a" },
        { type: "divider", block_id: "a" },
      ],
      "blocks[1].block_id",
    ],
    [
      "confirm text over 300",
      [{ type: "actions", elements: [button({ confirm: { text: plain(x(301)) } })] }],
      "blocks[0].elements[0].confirm.text.text",
    ],
    [
      "confirm title over 100",
      [
        {
          type: "actions",
          elements: [button({ confirm: { title: plain(x(101)), text: plain("t") } })],
        },
      ],
      "blocks[0].elements[0].confirm.title.text",
    ],
    ["unsupported block", [{ type: "video" }], "blocks[0].type"],
    ["broadcast in mrkdwn", [section("hey <!channel>")], "blocks[0].text.text"],
    [
      "mention in a field",
      [{ type: "section", fields: [mrkdwn("<@U123>")] }],
      "blocks[0].fields[0].text",
    ],
    [
      "channel in context",
      [{ type: "context", elements: [mrkdwn("<#C123>")] }],
      "blocks[0].elements[0].text",
    ],
    ["token in plain_text", [{ type: "header", text: plain("<!here>") }], "blocks[0].text.text"],
  ])("reports %s at its path", (_name, blocks, path) => {
    const found = violations(blocks as unknown[]);
    expect(found.some((v) => v.startsWith(`${path}:`))).toBe(true);
  });

  it("checks the notification text: length and tokens", () => {
    expect(violations([], x(4_001))[0]).toMatch(/^text: 4001 chars, limit 4000/);
    expect(violations([], "<!here> deploy")[0]).toMatch(/^text: unescaped control sequence/);
  });

  it("allows 100 blocks in App Home, not 101", () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: "divider" }));
    expect(findSlackLimitViolations({ type: "home", blocks: blocks(100) }, "home")).toEqual([]);
    expect(findSlackLimitViolations({ type: "home", blocks: blocks(101) }, "home")).toHaveLength(1);
  });
});

describe("findUnsafeTokens", () => {
  it("accepts prode's own link and date tokens", () => {
    expect(
      findUnsafeTokens(
        "<https://a.example/x?a=1&amp;b=2|label | more> at <!date^1741058400^{date_short_pretty} {time}|2025-03-04 03:20 UTC>",
      ),
    ).toEqual([]);
  });

  it.each([
    "<!channel>",
    "<!here>",
    "<@U123>",
    "<#C123>",
    "<!subteam^S1>",
    "<mailto:a@b.c|x>",
    "a < b",
    "<javascript:x|y>",
  ])("refuses %s", (text) => {
    expect(findUnsafeTokens(text)).toHaveLength(1);
  });
});

describe("assertWithinSlackLimits", () => {
  it("throws a bad_input AppError listing the violations", () => {
    const payload = { text: "t", blocks: [section(x(3_001))] };
    expect(() => assertWithinSlackLimits(payload, "message")).toThrow(AppError);
    expect(() => assertWithinSlackLimits(payload, "message")).toThrow(
      /blocks\[0\]\.text\.text: 3001 chars, limit 3000/,
    );
  });

  it("returns silently for a valid payload", () => {
    expect(() =>
      assertWithinSlackLimits({ text: "t", blocks: [section("ok")] }, "message"),
    ).not.toThrow();
  });
});
