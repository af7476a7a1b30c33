/**
 * Small block constructors that apply the per-element limits as they build, so renderers
 * read as layout. {@link finish} runs the final guard on every rendered message.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  SectionBlock,
} from "@slack/types";
import { oneLine, plainText } from "./escape.ts";
import {
  enforceLimits,
  type FitLinesOptions,
  fitLines,
  fitMessageText,
  MAX_BUTTON_TEXT,
  MAX_CONTEXT_ELEMENTS,
  MAX_CONTEXT_TEXT,
  MAX_FIELD_TEXT,
  MAX_HEADER_TEXT,
  MAX_MESSAGE_BLOCKS,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT,
  truncate,
  truncateMrkdwn,
} from "./limits.ts";

/** What every message renderer returns: the payload of chat.postMessage / chat.update. */
export interface RenderedMessage {
  /** The notification fallback: escaped mrkdwn, ≤ 4,000 chars. */
  text: string;
  blocks: KnownBlock[];
}

/** A header from untrusted text. */
export function header(text: string): HeaderBlock {
  const safe = truncate(plainText(oneLine(text)), MAX_HEADER_TEXT);
  return { type: "header", text: { type: "plain_text", text: safe || "prode", emoji: true } };
}

/** A section of prode-built mrkdwn (user content already escaped). */
export function section(mrkdwn: string, blockId?: string): SectionBlock {
  const block: SectionBlock = {
    type: "section",
    text: { type: "mrkdwn", text: truncateMrkdwn(mrkdwn, MAX_SECTION_TEXT) || "—" },
  };
  if (blockId !== undefined) block.block_id = blockId;
  return block;
}

/**
 * A section of lines under an optional bold title, cut with "…and N more" (linking
 * `moreUrl`) after `maxItems` lines or when the section is full.
 */
export function linesSection(
  title: string | undefined,
  lines: readonly string[],
  options: FitLinesOptions = {},
): SectionBlock {
  const head = title === undefined ? "" : `${title}\n`;
  return section(head + fitLines(lines, MAX_SECTION_TEXT - head.length, options));
}

/**
 * Lines packed greedily into up to `maxSections` sections (each within the section
 * limit), then one "…and N more" counting every line left out. For long lists such as
 * active runs, where one section would hold too few.
 */
export function lineSections(
  lines: readonly string[],
  options: FitLinesOptions & { maxSections: number },
): SectionBlock[] {
  const limit = Math.min(lines.length, options.maxItems ?? lines.length);
  const out: SectionBlock[] = [];
  let next = 0;
  while (next < limit && out.length < options.maxSections) {
    const last = out.length === options.maxSections - 1;
    const chunk: string[] = [];
    let used = 0;
    while (next < limit) {
      const line = lines[next] ?? "";
      const cost = (chunk.length > 0 ? 1 : 0) + line.length;
      if (chunk.length > 0 && used + cost > MAX_SECTION_TEXT - (last ? 200 : 0)) break;
      chunk.push(line);
      used += cost;
      next++;
    }
    if (last || next >= limit) {
      // The last section carries the count of everything not shown.
      const rest = lines.slice(next - chunk.length);
      out.push(
        section(
          fitLines(rest, MAX_SECTION_TEXT, {
            maxItems: limit - (next - chunk.length),
            moreUrl: options.moreUrl,
          }),
        ),
      );
      return out;
    }
    out.push(section(chunk.join("\n")));
  }
  return out;
}

/** A two-column section; at most ten fields are kept. */
export function fields(items: readonly string[]): SectionBlock {
  return {
    type: "section",
    fields: items.slice(0, MAX_SECTION_FIELDS).map((text) => ({
      type: "mrkdwn",
      text: truncateMrkdwn(text, MAX_FIELD_TEXT) || "—",
    })),
  };
}

/** A context line (small grey text); at most ten elements are kept. */
export function context(...elements: string[]): ContextBlock {
  const kept = elements.filter((e) => e.length > 0).slice(0, MAX_CONTEXT_ELEMENTS);
  return {
    type: "context",
    elements: (kept.length > 0 ? kept : ["—"]).map((text) => ({
      type: "mrkdwn",
      text: truncateMrkdwn(text, MAX_CONTEXT_TEXT),
    })),
  };
}

/** A horizontal rule between groups. */
export function divider(): DividerBlock {
  return { type: "divider" };
}

/** A button; the label is plain text, cut to 75. */
export function button(options: {
  text: string;
  actionId: string;
  value?: string;
  url?: string;
  style?: "primary" | "danger";
  confirm?: Button["confirm"];
}): Button {
  const b: Button = {
    type: "button",
    text: { type: "plain_text", text: truncate(plainText(options.text), MAX_BUTTON_TEXT) },
    action_id: options.actionId,
  };
  if (options.value !== undefined) b.value = options.value;
  if (options.url !== undefined) b.url = options.url;
  if (options.style !== undefined) b.style = options.style;
  if (options.confirm !== undefined) b.confirm = options.confirm;
  return b;
}

/** An actions block; `blockId` lets the interaction handler recognise it. */
export function actions(blockId: string, elements: Button[]): ActionsBlock {
  return { type: "actions", block_id: blockId, elements };
}

/** Applies the final guard to a message: every limit, whatever the content. */
export function finish(
  text: string,
  blocks: readonly KnownBlock[],
  options: { moreUrl?: string; maxBlocks?: number } = {},
): RenderedMessage {
  const guarded = enforceLimits(blocks, {
    maxBlocks: options.maxBlocks ?? MAX_MESSAGE_BLOCKS,
    moreUrl: options.moreUrl,
  });
  return { text: fitMessageText(text), blocks: guarded };
}
