/**
 * Slack's mrkdwn as HTML, for the simulated workspace page. Messages carry text that came
 * from tickets, logs and users (attacker-controlled), so every character of it leaves
 * here escaped: the only markup in the output is the markup this module writes, and the
 * only URLs in an href are http(s) and mailto.
 * Syntax: https://docs.slack.dev/messaging/formatting-message-text
 */

/** How the viewer sees names, times and "now" (Slack renders dates in the viewer's zone). */
export interface MrkdwnContext {
  /** Display name of a user id (`<@U…>`); the id itself when unknown. */
  userName(id: string): string | undefined;
  /** Name of a channel id (`<#C…>` without a label). */
  channelName(id: string): string | undefined;
  /** IANA zone of the viewer, e.g. "Europe/Berlin". */
  timeZone: string;
  now: Date;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text as HTML text or attribute value: the five characters that matter, escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Slack's own escapes (&amp; &lt; &gt;) back to characters; they are escaped again for HTML. */
function unslack(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The emoji prode and people use most; others stay as their `:code:`. */
const EMOJI: Record<string, string> = {
  warning: "⚠️",
  raised_hand: "✋",
  white_check_mark: "✅",
  heavy_check_mark: "✔️",
  no_entry: "⛔",
  no_entry_sign: "🚫",
  mag: "🔍",
  hourglass: "⌛",
  hourglass_flowing_sand: "⏳",
  double_vertical_bar: "⏸️",
  x: "❌",
  grey_question: "❔",
  question: "❓",
  construction: "🚧",
  cloud: "☁️",
  arrows_counterclockwise: "🔄",
  zzz: "💤",
  test_tube: "🧪",
  rotating_light: "🚨",
  red_circle: "🔴",
  large_orange_circle: "🟠",
  large_green_circle: "🟢",
  large_yellow_circle: "🟡",
  white_circle: "⚪",
  octagonal_sign: "🛑",
  leftwards_arrow_with_hook: "↩️",
  heavy_minus_sign: "➖",
  fast_forward: "⏩",
  eyes: "👀",
  toolbox: "🧰",
  fire: "🔥",
  bulb: "💡",
  link: "🔗",
  lock: "🔒",
  memo: "📝",
  bar_chart: "📊",
  chart_with_upwards_trend: "📈",
  wrench: "🔧",
  hammer_and_wrench: "🛠️",
  thumbsup: "👍",
  "+1": "👍",
  thumbsdown: "👎",
  "-1": "👎",
  information_source: "ℹ️",
  speech_balloon: "💬",
  robot_face: "🤖",
  pushpin: "📌",
  clipboard: "📋",
  stopwatch: "⏱️",
  alarm_clock: "⏰",
  package: "📦",
  rocket: "🚀",
  shield: "🛡️",
  bell: "🔔",
  heavy_plus_sign: "➕",
  dart: "🎯",
  handshake: "🤝",
  arrow_forward: "▶️",
  brain: "🧠",
  card_file_box: "🗃️",
  sunny: "☀️",
  thinking_face: "🤔",
};

/** A URL safe to put in an href: http(s) or mailto, nothing else (no javascript:, data:). */
export function safeHref(url: string): string | undefined {
  const trimmed = url.trim();
  return /^(https?:\/\/|mailto:)[^\s]+$/i.test(trimmed) ? trimmed : undefined;
}

/** Private-use characters that mark where an already-rendered piece goes back in. */
const OPEN = "\uE000";
const CLOSE = "\uE001";

const pad = (n: number) => String(n).padStart(2, "0");

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10];
  return `${n}${suffix ?? "th"}`;
}

type DatePart = "year" | "month" | "day" | "weekday" | "hour" | "minute" | "second" | "dayPeriod";

/** The calendar parts of an instant in a zone. */
function partsIn(at: Date, timeZone: string): Record<DatePart, string> & { monthNumber: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "long",
      day: "numeric",
      weekday: "long",
      hour: "numeric",
      minute: "2-digit",
      second: "2-digit",
      hour12: true,
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<DatePart, string>;
  const monthNumber = Number(
    new Intl.DateTimeFormat("en-US", { timeZone, month: "numeric" }).format(at),
  );
  return { ...parts, monthNumber };
}

/** "5 minutes ago" / "in 3 hours", as Slack's `{ago}` says it. */
export function ago(at: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60
      ? [abs, "second"]
      : abs < 3600
        ? [Math.floor(abs / 60), "minute"]
        : abs < 86_400
          ? [Math.floor(abs / 3600), "hour"]
          : [Math.floor(abs / 86_400), "day"];
  if (abs < 10) return "just now";
  const phrase = `${value} ${unit}${value === 1 ? "" : "s"}`;
  return seconds >= 0 ? `${phrase} ago` : `in ${phrase}`;
}

/**
 * `<!date^seconds^format|fallback>` in the viewer's zone. Tokens:
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
export function formatSlackDate(seconds: number, format: string, ctx: MrkdwnContext): string {
  const at = new Date(seconds * 1000);
  const p = partsIn(at, ctx.timeZone);
  const short = p.month!.slice(0, 3);
  const dayDiff = (() => {
    const key = (d: Date) => {
      const q = partsIn(d, ctx.timeZone);
      return Date.UTC(Number(q.year), q.monthNumber - 1, Number(q.day));
    };
    return Math.round((key(at) - key(ctx.now)) / 86_400_000);
  })();
  const relative =
    dayDiff === 0 ? "Today" : dayDiff === -1 ? "Yesterday" : dayDiff === 1 ? "Tomorrow" : undefined;
  const values: Record<string, string> = {
    date_num: `${p.year}-${pad(p.monthNumber)}-${pad(Number(p.day))}`,
    date: `${p.month} ${ordinal(Number(p.day))}, ${p.year}`,
    date_short: `${short} ${p.day}, ${p.year}`,
    date_long: `${p.weekday}, ${p.month} ${ordinal(Number(p.day))}, ${p.year}`,
    time: `${p.hour}:${p.minute} ${p.dayPeriod}`,
    time_secs: `${p.hour}:${p.minute}:${p.second} ${p.dayPeriod}`,
    ago: ago(at, ctx.now),
  };
  values.date_pretty = relative ?? values.date!;
  values.date_short_pretty = relative ?? values.date_short!;
  values.date_long_pretty = relative ?? values.date_long!;
  return format.replace(/\{([a-z_]+)\}/g, (whole, token: string) => values[token] ?? whole);
}

/** One `<…>` token of Slack's markup, rendered; undefined leaves it as literal text. */
function renderToken(inner: string, ctx: MrkdwnContext): string | undefined {
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = ctx.userName(id) ?? label ?? id;
    return `<span class="mention">@${escapeHtml(unslack(name))}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = label ?? ctx.channelName(id) ?? id;
    return `<span class="mention">#${escapeHtml(unslack(name))}</span>`;
  }
  if (target.startsWith("!date^")) {
    const [, seconds, format = "", link] = target.split("^");
    const at = Number(seconds);
    if (!Number.isFinite(at)) return escapeHtml(unslack(label ?? ""));
    const text = escapeHtml(formatSlackDate(at, unslack(format), ctx));
    const iso = new Date(at * 1000).toISOString();
    const href = link ? safeHref(unslack(link)) : undefined;
    const time = `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${text}</time>`;
    return href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${time}</a>` : time;
  }
  if (target.startsWith("!subteam^")) {
    const name = label ?? `@${target.slice("!subteam^".length)}`;
    return `<span class="mention">${escapeHtml(unslack(name))}</span>`;
  }
  if (target.startsWith("!")) {
    const word = target.slice(1);
    return `<span class="mention">@${escapeHtml(unslack(label ?? word))}</span>`;
  }
  const href = safeHref(unslack(target));
  if (!href) return undefined;
  const text = label === undefined ? href : unslack(label);
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(text)}</a>`;
}

/** Emphasis over escaped text: *bold*, _italic_, ~strike~, each at word boundaries. */
function emphasise(escaped: string): string {
  const wrap = (mark: string, tag: string, text: string) => {
    const m = mark === "*" ? "\\*" : mark;
    const pattern = new RegExp(`(^|[^\\w${m}])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?![\\w${m}])`, "g");
    return text.replace(pattern, (_all, before: string, inner: string) => {
      return `${before}<${tag}>${inner}</${tag}>`;
    });
  };
  return wrap("~", "s", wrap("_", "em", wrap("*", "strong", escaped)));
}

/** One line of inline mrkdwn (no pre blocks): tokens and code kept whole, the rest emphasised. */
function renderInline(text: string, ctx: MrkdwnContext): string {
  const pieces: string[] = [];
  const keep = (html: string) => {
    pieces.push(html);
    return `${OPEN}${pieces.length - 1}${CLOSE}`;
  };
  const marked = text
    .replace(/`([^`\n]+)`/g, (_all, code: string) =>
      keep(`<code>${escapeHtml(unslack(code))}</code>`),
    )
    .replace(/<([^<>\n]+)>/g, (all, inner: string) => {
      const html = renderToken(inner, ctx);
      return html === undefined ? all : keep(html);
    })
    .replace(/:([a-z0-9_+-]+):/g, (all, name: string) => {
      const emoji = EMOJI[name];
      return emoji ? keep(`<span class="emoji" title=":${name}:">${emoji}</span>`) : all;
    });
  const escaped = escapeHtml(unslack(marked));
  return emphasise(escaped).replace(
    new RegExp(`${OPEN}(\\d+)${CLOSE}`, "g"),
    (_all, i: string) => pieces[Number(i)] ?? "",
  );
}

/** Lines of inline text, with `>` quotes grouped into blockquotes and line breaks kept. */
function renderLines(text: string, ctx: MrkdwnContext): string {
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    quote = [];
  };
  const lines = text.split("\n");
  for (const line of lines) {
    const quoted = /^(?:>|&gt;)\s?(.*)$/.exec(line);
    if (quoted) {
      quote.push(renderInline(quoted[1]!, ctx));
      continue;
    }
    flush();
    out.push(renderInline(line, ctx));
  }
  flush();
  return out.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
}

/** Slack mrkdwn → HTML. Every character of `text` comes out escaped or as our markup. */
export function renderMrkdwn(text: string, ctx: MrkdwnContext): string {
  const clean = text.replace(new RegExp(`[${OPEN}${CLOSE}]`, "g"), "");
  const out: string[] = [];
  let last = 0;
  for (const match of clean.matchAll(/```([\s\S]*?)```/g)) {
    out.push(renderLines(clean.slice(last, match.index), ctx));
    out.push(`<pre>${escapeHtml(unslack(match[1]!.replace(/^\n/, "")))}</pre>`);
    last = match.index + match[0].length;
  }
  out.push(renderLines(clean.slice(last), ctx));
  return out.filter((s) => s !== "").join("");
}

/** plain_text: escaped, emoji codes shown as emoji when `emoji` is not false. */
export function renderPlain(text: string, emoji = true): string {
  const clean = text.replace(new RegExp(`[${OPEN}${CLOSE}]`, "g"), "");
  const escaped = escapeHtml(clean);
  const html = emoji
    ? escaped.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => EMOJI[name] ?? all)
    : escaped;
  return html.replace(/\n/g, "<br>");
}
