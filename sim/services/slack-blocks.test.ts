import { describe, expect, it } from "vitest";
import { BLOCK_LIMITS, validateBlocks } from "./slack-blocks.ts";

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const button = (overrides: Record<string, unknown> = {}) => ({
  type: "button",
  action_id: "approve",
  text: { type: "plain_text", text: "Approve" },
  value: "apr_1",
  ...overrides,
});

describe("validateBlocks", () => {
  it("accepts a realistic message at every limit", () => {
    const blocks = [
      { type: "header", text: { type: "plain_text", text: "h".repeat(150) } },
      section("s".repeat(3000)),
      {
        type: "section",
        fields: Array.from({ length: 10 }, () => ({ type: "mrkdwn", text: "f".repeat(2000) })),
      },
      {
        type: "context",
        elements: Array.from({ length: 10 }, () => ({ type: "mrkdwn", text: "c" })),
      },
      {
        type: "actions",
        block_id: "b".repeat(255),
        elements: Array.from({ length: 25 }, (_, i) =>
          button({ action_id: `a${i}`, text: { type: "plain_text", text: "t".repeat(75) } }),
        ),
      },
      { type: "divider" },
    ];
    const padded = [...blocks, ...Array.from({ length: 44 }, () => ({ type: "divider" }))];
    expect(padded).toHaveLength(BLOCK_LIMITS.messageBlocks);
    expect(validateBlocks(padded, BLOCK_LIMITS.messageBlocks)).toEqual([]);
  });

  it.each([
    ["51 blocks", Array.from({ length: 51 }, () => ({ type: "divider" })), "/blocks"],
    ["section text over 3000", [section("s".repeat(3001))], "/blocks/0/text/text"],
    [
      "header over 150",
      [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }],
      "/blocks/0/text/text",
    ],
    [
      "11 fields",
      [
        {
          type: "section",
          fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "f" })),
        },
      ],
      "/blocks/0/fields",
    ],
    [
      "a field over 2000",
      [{ type: "section", fields: [{ type: "mrkdwn", text: "f".repeat(2001) }] }],
      "/blocks/0/fields/0/text",
    ],
    [
      "button text over 75",
      [
        {
          type: "actions",
          elements: [button({ text: { type: "plain_text", text: "t".repeat(76) } })],
        },
      ],
      "/blocks/0/elements/0/text/text",
    ],
    [
      "button value over 2000",
      [{ type: "actions", elements: [button({ value: "v".repeat(2001) })] }],
      "/blocks/0/elements/0/value",
    ],
    [
      "action_id over 255",
      [{ type: "actions", elements: [button({ action_id: "a".repeat(256) })] }],
      "/blocks/0/elements/0/action_id",
    ],
    ["block_id over 255", [{ type: "divider", block_id: "b".repeat(256) }], "/blocks/0/block_id"],
    [
      "11 context elements",
      [
        {
          type: "context",
          elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "c" })),
        },
      ],
      "/blocks/0/elements",
    ],
    [
      "26 actions elements",
      [
        {
          type: "actions",
          elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })),
        },
      ],
      "/blocks/0/elements",
    ],
    ["an unknown block type", [{ type: "carousel" }], "/blocks/0/type"],
    [
      "mrkdwn in a header",
      [{ type: "header", text: { type: "mrkdwn", text: "x" } }],
      "/blocks/0/text/type",
    ],
    ["an empty section text", [section("")], "/blocks/0/text/text"],
    [
      "duplicate block ids",
      [
        { type: "divider", block_id: "x" },
        { type: "divider", block_id: "x" },
      ],
      "/blocks/1/block_id",
    ],
  ])("refuses %s with Slack's JSON pointer", (_name, blocks, pointer) => {
    const errors = validateBlocks(blocks, BLOCK_LIMITS.messageBlocks);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
  });

  it("allows 100 blocks on a surface and refuses 101, pointing under /view/blocks", () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: "divider" }));
    expect(validateBlocks(blocks(100), BLOCK_LIMITS.surfaceBlocks, "/view/blocks")).toEqual([]);
    expect(validateBlocks(blocks(101), BLOCK_LIMITS.surfaceBlocks, "/view/blocks")).toEqual([
      "no more than 100 items allowed [json-pointer:/view/blocks]",
    ]);
  });

  it("refuses a blocks value that is not an array", () => {
    expect(validateBlocks({ type: "divider" }, 50)).toEqual([
      "expected array [json-pointer:/blocks]",
    ]);
  });
});
