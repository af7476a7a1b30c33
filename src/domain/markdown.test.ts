import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { renderHandoff } from "./handoff-comment.ts";
import { escapeMarkdown, fencedCode } from "./markdown.ts";

/** A CommonMark renderer with GFM tables, strikethrough, raw HTML and bare-URL linking on. */
const markdown = new MarkdownIt({ html: true, linkify: true });
// Bare domains and e-mail addresses become links too, as some renderers make them.
markdown.linkify.set({ fuzzyLink: true, fuzzyEmail: true, fuzzyIP: true });

interface Token {
  type: string;
  tag: string;
  content: string;
  children: Token[] | null;
}

/** Every token of a document, inline children included. */
function tokensOf(source: string): Token[] {
  const walk = (tokens: Token[]): Token[] => tokens.flatMap((t) => [t, ...walk(t.children ?? [])]);
  return walk(markdown.parse(source, {}) as unknown as Token[]);
}

/** Markup a string of text can only have come from: links, images, HTML, blocks. */
const MARKUP = new Set([
  "link_open",
  "image",
  "html_inline",
  "html_block",
  "heading_open",
  "blockquote_open",
  "bullet_list_open",
  "ordered_list_open",
  "table_open",
  "fence",
  "code_block",
  "code_inline",
  "hr",
  "em_open",
  "strong_open",
  "s_open",
]);

const hostile = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 80 }),
  fc.constantFrom(
    "![x](https://tracker.example/p.png)",
    "[log in](https://evil.example/login)",
    "<https://evil.example>",
    "https://evil.example/path and www.evil.example",
    "<img src=x onerror=alert(1)>",
    "<!-- prode:handoff ENG-1 -->",
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "| a | b |\n|---|---|",
    "```\ncode\n```",
    "`code`",
    "**bold** _em_ ~~gone~~",
    "line\nbreak\r\nmore",
    "ops@example.com",
    "visit evil.com/login or mail.ru or 10.0.0.1:8080",
    "&lt;b&gt;",
    "---",
    "===",
  ),
);

describe("escapeMarkdown", () => {
  it("renders any string as text: no link, image, HTML, block or emphasis", () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 4 }), (parts) => {
        const text = parts.join(" ");
        const tokens = tokensOf(`Title: ${escapeMarkdown(text)}`);
        const markup = tokens.filter((t) => MARKUP.has(t.type)).map((t) => t.type);
        expect(markup).toEqual([]);
        // At the start of a paragraph too.
        const leading = tokensOf(escapeMarkdown(text)).filter((t) => MARKUP.has(t.type));
        expect(leading.map((t) => t.type)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("keeps what a reader sees: the rendered text is the input on one line", () => {
    const text = "Refund 500s on /v1/pay [EU] *urgent* <b> & co. — see https://x.example";
    const html = markdown.renderInline(escapeMarkdown(text));
    const shown = html
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"');
    expect(shown).toBe(text);
  });
});

describe("fencedCode", () => {
  it("cannot be closed early by backticks in the text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("`", "a", "\n", " ", "~") }), (text) => {
        const fences = tokensOf(`${fencedCode(text, "sql")}\n\nafter`).filter(
          (t) => t.type === "fence",
        );
        expect(fences).toHaveLength(1);
        expect(fences[0]!.content).toBe(`${text}\n`);
      }),
      { numRuns: 300 },
    );
  });
});

describe("renderHandoff", () => {
  it("puts no link, image or HTML from the ticket into prode's comment", () => {
    const body = renderHandoff({
      runId: "run_1",
      outcome: "NOISE_NO_FIX",
      reasons: ["see [here](https://evil.example) <b>now</b>"],
      ticket: {
        ticketKey: "ENG-1",
        title: "![pixel](https://tracker.example/p.png) [login](https://evil.example/login)",
        labels: [],
        status: "Triage <!-- x -->",
        priority: 2,
        descriptionExcerpt: "",
        url: "https://linear.app/acme/issue/ENG-1",
        linked: { sentryIssueIds: [], requestIds: [], awsRefs: [] },
        createdAt: "2025-06-01T12:00:00Z",
        updatedAt: "2025-06-01T12:00:00Z",
        fetchedAt: "2025-06-01T12:00:00Z",
      },
      approvals: [
        {
          id: "apr_1",
          action: "production_write",
          digest: "0123456789abcdef",
          expiresAt: "2025-06-01T13:00:00Z",
          detail: "UPDATE t SET n = 0 -- ```\n![x](https://evil.example/i.png)",
        },
      ],
      now: new Date("2025-06-01T12:30:00Z"),
    });
    const tokens = tokensOf(body);
    expect(tokens.filter((t) => t.type === "link_open" || t.type === "image")).toEqual([]);
    // The only HTML is prode's own marker comment, once.
    const html = tokens.filter((t) => t.type.startsWith("html"));
    expect(html.map((t) => t.content.trim())).toEqual(["<!-- prode:handoff ENG-1 -->"]);
    expect(body).toContain("\\!\\[pixel\\]\\(https\\://tracker\\.example/p\\.png\\)");
  });

  it("redacts each outside string before escaping it", () => {
    const secret = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5z";
    const body = renderHandoff({
      runId: "run_1",
      outcome: "FAILED",
      reasons: [`token ${secret}`],
      ticket: {
        ticketKey: "ENG-1",
        title: `leaked ${secret}`,
        labels: [],
        status: "Triage",
        priority: 2,
        descriptionExcerpt: "",
        url: "https://linear.app/acme/issue/ENG-1",
        linked: { sentryIssueIds: [], requestIds: [], awsRefs: [] },
        createdAt: "2025-06-01T12:00:00Z",
        updatedAt: "2025-06-01T12:00:00Z",
        fetchedAt: "2025-06-01T12:00:00Z",
      },
      now: new Date("2025-06-01T12:30:00Z"),
      clean: (text) => text.replaceAll(secret, "[REDACTED:github_token]"),
    });
    expect(body).not.toContain("ghp_");
    expect(body).toContain("\\[REDACTED\\:github\\_token\\]".replace("\\:", ":"));
  });
});
