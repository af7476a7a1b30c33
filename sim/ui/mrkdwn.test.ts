import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderBlock, renderMessageBody } from "./blocks.ts";
import { ago, escapeHtml, formatSlackDate, type MrkdwnContext, renderMrkdwn } from "./mrkdwn.ts";

const ctx: MrkdwnContext = {
  userName: (id) => ({ U0ENGLEAD2: "Marco Bianchi" })[id],
  channelName: (id) => ({ C0INCIDENTS: "incidents" })[id],
  timeZone: "Europe/Berlin",
  now: new Date("2026-11-20T10:15:00Z"),
};

describe("the workspace page's mrkdwn renderer", () => {
  it("renders emphasis, code, quotes and line breaks", () => {
    expect(renderMrkdwn("*bold* _italic_ ~gone~ `a<b`", ctx)).toBe(
      "<strong>bold</strong> <em>italic</em> <s>gone</s> <code>a&lt;b</code>",
    );
    expect(renderMrkdwn("one\n> quoted\ntwo", ctx)).toBe(
      "one<br><blockquote>quoted</blockquote>two",
    );
    expect(renderMrkdwn("```select 1\n  from t```", ctx)).toBe("<pre>select 1\n  from t</pre>");
  });

  it("leaves snake_case and arithmetic alone", () => {
    expect(renderMrkdwn("workspaces.member_count is 2*3*4", ctx)).toBe(
      "workspaces.member_count is 2*3*4",
    );
  });

  it("renders links, mentions and channels, and bold links", () => {
    expect(renderMrkdwn("*<https://linear.app/acme/issue/ENG-1|ENG-1>*", ctx)).toBe(
      '<strong><a href="https://linear.app/acme/issue/ENG-1" target="_blank" rel="noopener">ENG-1</a></strong>',
    );
    expect(renderMrkdwn("<@U0ENGLEAD2> in <#C0INCIDENTS>", ctx)).toBe(
      '<span class="mention">@Marco Bianchi</span> in <span class="mention">#incidents</span>',
    );
  });

  it("never links a javascript: or data: URL", () => {
    const html = renderMrkdwn("<javascript:alert(1)|click> <data:text/html,x|y>", ctx);
    expect(html).not.toContain("href");
    expect(html).toContain("&lt;javascript:alert(1)|click&gt;");
  });

  it("escapes markup and Slack's own escapes in attacker-controlled text", () => {
    const hostile = `<img src=x onerror=alert(1)> &lt;script&gt;alert(1)&lt;/script&gt; "quoted" 'single'`;
    const html = renderMrkdwn(hostile, ctx);
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("&quot;quoted&quot; &#39;single&#39;");
    expect(renderMrkdwn(`<https://x.example/"onmouseover="alert(1)|label>`, ctx)).not.toContain(
      '" onmouseover',
    );
  });

  it("formats <!date^…> in the viewer's zone, with {ago}", () => {
    const at = Date.parse("2026-11-20T09:41:18Z") / 1000;
    expect(formatSlackDate(at, "{date_num} {time}", ctx)).toBe("2026-11-20 10:41 AM");
    expect(formatSlackDate(at, "{date_short_pretty} ({ago})", ctx)).toBe("Today (33 minutes ago)");
    expect(formatSlackDate(at, "{date_long}", ctx)).toBe("Friday, November 20th, 2026");
    expect(renderMrkdwn(`<!date^${at}^{time}|09:41 UTC>`, ctx)).toBe(
      '<time datetime="2026-11-20T09:41:18.000Z" title="2026-11-20T09:41:18.000Z">10:41 AM</time>',
    );
    expect(ago(new Date("2026-11-20T12:15:00Z"), ctx.now)).toBe("in 2 hours");
  });

  it("emits no tag it did not write, whatever the input (property)", () => {
    const allowed = /^<\/?(strong|em|s|code|pre|br|blockquote|a|span|time)(\s|>)/;
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(..."<>&\"'*_~`|!@#^:/ajsx=\n".split("")),
          maxLength: 60,
        }),
        (text) => {
          const html = renderMrkdwn(text, ctx);
          for (const tag of html.match(/<[^>]*>?/g) ?? []) expect(tag).toMatch(allowed);
          for (const href of html.matchAll(/href="([^"]*)"/g))
            expect(href[1]).toMatch(/^(https?:\/\/|mailto:)/i);
        },
      ),
    );
  });

  it("escapeHtml escapes the five characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});

describe("the workspace page's Block Kit renderer", () => {
  it("renders header, section fields, context, divider and buttons with their ids", () => {
    const html = renderMessageBody(
      {
        blocks: [
          { type: "header", text: { type: "plain_text", text: "Backfill <seats> :warning:" } },
          {
            type: "section",
            text: { type: "mrkdwn", text: "*Risk* high" },
            fields: [{ type: "mrkdwn", text: "*Owner*\n<@U0ENGLEAD2>" }],
          },
          { type: "context", elements: [{ type: "mrkdwn", text: "_prode_" }] },
          { type: "divider" },
          {
            type: "actions",
            block_id: "prode_approval",
            elements: [
              {
                type: "button",
                text: { type: "plain_text", text: "Approve" },
                action_id: "prode_approve",
                value: 'ap_1"><script>',
                style: "primary",
                confirm: {
                  title: { type: "plain_text", text: "Sure?" },
                  text: { type: "mrkdwn", text: "Runs *once*" },
                },
              },
              { type: "button", text: { type: "plain_text", text: "Open" }, url: "javascript:x" },
            ],
          },
        ],
      },
      ctx,
    );
    expect(html).toContain('<div class="block header">Backfill &lt;seats&gt; ⚠️</div>');
    expect(html).toContain(
      '<div class="field"><strong>Owner</strong><br><span class="mention">@Marco Bianchi</span></div>',
    );
    expect(html).toContain(
      '<div class="block context"><span class="context-item"><em>prode</em></span></div>',
    );
    expect(html).toContain('<hr class="block divider">');
    expect(html).toContain(
      'data-action-id="prode_approve" data-value="ap_1&quot;&gt;&lt;script&gt;" data-block-id="prode_approval"',
    );
    expect(html).toContain('<div class="confirm-text">Runs <strong>once</strong></div>');
    expect(html).not.toContain("javascript:");
  });

  it("falls back to the message text, and labels blocks it does not know", () => {
    expect(renderMessageBody({ text: "hi *there*" }, ctx)).toContain("hi <strong>there</strong>");
    expect(renderBlock({ type: "rich_text" }, ctx)).toContain("[rich_text block]");
  });
});
