import { describe, expect, it } from "vitest";
import { codeBlock, escapeMrkdwn, inlineCode, link, plainText, safeUrl } from "./escape.ts";
import { findUnsafeTokens } from "./validate.ts";

describe("escapeMrkdwn", () => {
  it("turns every mention, broadcast, channel and link token into inert text", () => {
    const hostile = "hi <!channel> <!here> <@U123> <#C123> <http://evil|click> & co";
    const escaped = escapeMrkdwn(hostile);
    expect(escaped).toBe(
      "hi &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;http://evil|click&gt; &amp; co",
    );
    expect(findUnsafeTokens(escaped)).toEqual([]);
  });

  it("escapes an existing entity's ampersand, so it shows as typed", () => {
    expect(escapeMrkdwn("&lt;")).toBe("&amp;lt;");
  });
});

describe("plainText", () => {
  it("replaces angle brackets so no client can read a token in a header or label", () => {
    expect(plainText("<!channel> a > b")).toBe("‹!channel› a › b");
  });
});

describe("code", () => {
  it("an inline code span cannot be closed early by a backtick in the content", () => {
    const code = inlineCode("a` *bold* `b");
    expect(code.startsWith("`")).toBe(true);
    expect(code.slice(1, -1)).not.toContain("`");
  });

  it("a code block cannot be closed early by a fence in the content, and is escaped", () => {
    const block = codeBlock("SELECT 1; ``` <!here>");
    expect(block.match(/```/g)).toHaveLength(2);
    expect(block).toContain("&lt;!here&gt;");
  });

  it("keeps single backticks (MySQL identifiers) inside a code block", () => {
    expect(codeBlock("SELECT `id` FROM t")).toBe("```SELECT `id` FROM t```");
  });
});

describe("link", () => {
  it("links http and https URLs with an escaped label", () => {
    expect(link("https://linear.app/acme/issue/ENG-1", "ENG-1 <b>")).toBe(
      "<https://linear.app/acme/issue/ENG-1|ENG-1 &lt;b&gt;>",
    );
  });

  it.each([
    "javascript:alert(1)",
    "ftp://files.example/x",
    "not a url",
    "<!channel>",
    "http://x|y>",
    "https://user:pw@host.example/",
  ])("refuses %s and shows the label alone", (url) => {
    expect(link(url, "Sentry")).toBe("Sentry");
  });

  it("encodes characters that would end the URL part or the token", () => {
    const href = safeUrl("https://a.example/p|<!here>?a=1&b=2");
    expect(href).toBe("https://a.example/p%7C%3C!here%3E?a=1&amp;b=2");
    expect(findUnsafeTokens(`<${href}|x>`)).toEqual([]);
  });

  it("does not link a URL too long to be worth the section budget", () => {
    expect(link(`https://a.example/${"a".repeat(2_000)}`, "long")).toBe("long");
  });
});
