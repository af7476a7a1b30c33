/**
 * Slack's Block Kit limits, and the helpers that keep every rendered message inside them:
 * long content is cut with a count and a link, never rejected by Slack.
 * Lengths are counted in UTF-16 code units, as Slack counts them (JavaScript's `length`).
 * https://docs.slack.dev/reference/block-kit/blocks
 */
import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from "@slack/types";
import { link } from "./escape.ts";

/** Blocks in one message (chat.postMessage / chat.update). */
export const MAX_MESSAGE_BLOCKS = 50;
/** Blocks in a view: App Home and modals. */
export const MAX_VIEW_BLOCKS = 100;
/** `text` of a section block. */
export const MAX_SECTION_TEXT = 3_000;
/** `fields` of a section block. */
export const MAX_SECTION_FIELDS = 10;
/** Each text in a section's `fields`. */
export const MAX_FIELD_TEXT = 2_000;
/** A header block's plain_text. */
export const MAX_HEADER_TEXT = 150;
/** A button's plain_text label. */
export const MAX_BUTTON_TEXT = 75;
/** A button's `value`. */
export const MAX_BUTTON_VALUE = 2_000;
/** A button's `url`. */
export const MAX_BUTTON_URL = 3_000;
/** `action_id` and `block_id`. */
export const MAX_ID = 255;
/** Elements of a context block. */
export const MAX_CONTEXT_ELEMENTS = 10;
/** A text element of a context block (the general text-object maximum). */
export const MAX_CONTEXT_TEXT = 3_000;
/** Elements of an actions block. */
export const MAX_ACTIONS_ELEMENTS = 25;
/** Top-level `text` of chat.postMessage / chat.update (the notification fallback). */
export const MAX_MESSAGE_TEXT = 4_000;
/** Confirmation dialog: title (plain_text). */
export const MAX_CONFIRM_TITLE = 100;
/** Confirmation dialog: body text. */
export const MAX_CONFIRM_TEXT = 300;
/** Confirmation dialog: confirm and deny button labels. */
export const MAX_CONFIRM_BUTTON = 30;

/** Where a payload is shown; views allow twice the blocks of a message. */
export type Surface = "message" | "home" | "modal";

/** The block limit of a surface: 50 for messages, 100 for views. */
export function maxBlocksFor(surface: Surface): number {
  return surface === "message" ? MAX_MESSAGE_BLOCKS : MAX_VIEW_BLOCKS;
}

const ELLIPSIS = "…";

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cut index ≤ `at` that does not split a surrogate pair. */
function safeCut(text: string, at: number): number {
  if (at <= 0) return 0;
  if (at >= text.length) return text.length;
  return isHighSurrogate(text.charCodeAt(at - 1)) ? at - 1 : at;
}

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with "…" when anything was cut.
 * Never splits a surrogate pair, so an emoji is kept whole or dropped whole.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  return text.slice(0, safeCut(text, max - ELLIPSIS.length)) + ELLIPSIS;
}

/**
 * {@link truncate} for mrkdwn that prode built: also never cuts inside a `<…>` token (a
 * link or date) or an `&…;` entity, and closes a code fence left open by the cut.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let cut = max - ELLIPSIS.length;
  for (;;) {
    cut = safeCut(text, cut);
    let head = text.slice(0, cut);
    const openToken = head.lastIndexOf("<");
    if (openToken > head.lastIndexOf(">")) head = head.slice(0, openToken);
    const amp = head.lastIndexOf("&");
    if (amp >= 0 && !head.slice(amp).includes(";")) head = head.slice(0, amp);
    const fences = head.split("```").length - 1;
    const suffix = fences % 2 === 1 ? `${ELLIPSIS}\n\`\`\`` : ELLIPSIS;
    if (head.length + suffix.length <= max || head.length === 0) {
      return truncate(head + suffix, max);
    }
    cut = head.length - (head.length + suffix.length - max);
  }
}

/**
 * The first `maxItems` items, then one "…and N more" line (linking the full artifact when
 * `moreUrl` is given). Items are mrkdwn lines already escaped by the caller.
 */
export function fitList(items: readonly string[], maxItems: number, moreUrl?: string): string[] {
  const keep = Math.max(0, Math.floor(maxItems));
  if (items.length <= keep) return [...items];
  return [...items.slice(0, keep), moreLine(items.length - keep, moreUrl)];
}

/** "…and N more", with " — see <full artifact>" when there is somewhere to see them. */
export function moreLine(count: number, moreUrl?: string, noun = "more"): string {
  const see = moreUrl === undefined ? "" : ` — see ${link(moreUrl, "full artifact")}`;
  return `…and ${count} ${noun}${see}`;
}

/** Options of {@link fitLines}. */
export interface FitLinesOptions {
  /** Show at most this many lines; the rest are counted in "…and N more". */
  maxItems?: number;
  /** Where the full list lives. */
  moreUrl?: string;
}

/**
 * Joins mrkdwn lines into one text of at most `maxChars`: as many whole lines as fit (and
 * at most `maxItems`), then one "…and N more" counting every line left out. A single line
 * longer than the budget is cut safely rather than dropped.
 */
export function fitLines(
  lines: readonly string[],
  maxChars: number,
  options: FitLinesOptions = {},
): string {
  const { moreUrl } = options;
  const limit = Math.min(lines.length, Math.max(0, Math.floor(options.maxItems ?? lines.length)));
  const footerFor = (hidden: number) => (hidden > 0 ? moreLine(hidden, moreUrl).length + 1 : 0);
  const out: string[] = [];
  let used = 0;
  let shown = 0;
  for (; shown < limit; shown++) {
    const line = lines[shown] ?? "";
    const sep = out.length > 0 ? 1 : 0;
    const hiddenAfter = lines.length - shown - 1;
    if (used + sep + line.length + footerFor(hiddenAfter) <= maxChars) {
      out.push(line);
      used += sep + line.length;
      continue;
    }
    if (out.length === 0) {
      // Not even one whole line fits: show the start of it rather than nothing.
      const room = Math.max(1, maxChars - footerFor(hiddenAfter));
      out.push(truncateMrkdwn(line, room));
      shown++;
    }
    break;
  }
  const hidden = lines.length - shown;
  if (hidden > 0) out.push(moreLine(hidden, moreUrl));
  return truncateMrkdwn(out.join("\n"), maxChars);
}

type TextObject = PlainTextElement | MrkdwnElement;

const PLACEHOLDER = "—";

function fitText<T extends TextObject>(object: T, max: number): T {
  const raw = typeof object.text === "string" ? object.text : "";
  const text = object.type === "mrkdwn" ? truncateMrkdwn(raw, max) : truncate(raw, max);
  // Slack refuses empty text objects (minimum length 1).
  return { ...object, text: text.length > 0 ? text : PLACEHOLDER };
}

function fitPlain(object: TextObject | undefined, max: number): PlainTextElement {
  if (object?.type === "plain_text") return fitText(object, max);
  // Only plain_text is allowed here: anything else loses its formatting, not its words.
  const raw = typeof object?.text === "string" ? object.text : "";
  return fitText({ type: "plain_text", text: raw }, max);
}

function fitConfirm(confirm: ConfirmationDialog): ConfirmationDialog {
  const fitted: ConfirmationDialog = { ...confirm, text: fitText(confirm.text, MAX_CONFIRM_TEXT) };
  if (confirm.title !== undefined) fitted.title = fitPlain(confirm.title, MAX_CONFIRM_TITLE);
  if (confirm.confirm !== undefined) fitted.confirm = fitPlain(confirm.confirm, MAX_CONFIRM_BUTTON);
  if (confirm.deny !== undefined) fitted.deny = fitPlain(confirm.deny, MAX_CONFIRM_BUTTON);
  return fitted;
}

function fitButton(button: Button): Button {
  const fitted: Button = { ...button, text: fitPlain(button.text, MAX_BUTTON_TEXT) };
  if (fitted.action_id !== undefined) fitted.action_id = fitted.action_id.slice(0, MAX_ID);
  // A cut value would name another approval; a button without one is refused by the handler.
  if (fitted.value !== undefined && fitted.value.length > MAX_BUTTON_VALUE) delete fitted.value;
  if (fitted.url !== undefined && fitted.url.length > MAX_BUTTON_URL) delete fitted.url;
  if (fitted.style !== undefined && fitted.style !== "primary" && fitted.style !== "danger") {
    delete fitted.style;
  }
  if (fitted.confirm !== undefined) fitted.confirm = fitConfirm(fitted.confirm);
  return fitted;
}

function fitSection(block: SectionBlock): SectionBlock {
  const fitted: SectionBlock = { ...block };
  if (fitted.text !== undefined) fitted.text = fitText(fitted.text, MAX_SECTION_TEXT);
  if (fitted.fields !== undefined) {
    let fields = fitted.fields.map((f) => fitText(f, MAX_FIELD_TEXT));
    if (fields.length > MAX_SECTION_FIELDS) {
      const more = fields.length - (MAX_SECTION_FIELDS - 1);
      fields = [
        ...fields.slice(0, MAX_SECTION_FIELDS - 1),
        { type: "mrkdwn", text: moreLine(more) },
      ];
    }
    if (fields.length > 0) fitted.fields = fields;
    else delete fitted.fields;
  }
  if (fitted.text === undefined && fitted.fields === undefined) {
    fitted.text = { type: "mrkdwn", text: PLACEHOLDER };
  }
  if (fitted.accessory?.type === "button") fitted.accessory = fitButton(fitted.accessory);
  return fitted;
}

function fitContext(block: ContextBlock): ContextBlock {
  let elements = block.elements.map((e) =>
    e.type === "mrkdwn" || e.type === "plain_text" ? fitText(e, MAX_CONTEXT_TEXT) : e,
  );
  if (elements.length > MAX_CONTEXT_ELEMENTS) {
    const more = elements.length - (MAX_CONTEXT_ELEMENTS - 1);
    elements = [
      ...elements.slice(0, MAX_CONTEXT_ELEMENTS - 1),
      { type: "mrkdwn", text: moreLine(more) },
    ];
  }
  if (elements.length === 0) elements = [{ type: "mrkdwn", text: PLACEHOLDER }];
  return { ...block, elements };
}

function fitActions(block: ActionsBlock): ActionsBlock {
  const elements = block.elements
    .slice(0, MAX_ACTIONS_ELEMENTS)
    .map((e) => (e.type === "button" ? fitButton(e) : e));
  return { ...block, elements };
}

function fitHeader(block: HeaderBlock): HeaderBlock {
  return { ...block, text: fitPlain(block.text, MAX_HEADER_TEXT) };
}

function fitBlock(block: KnownBlock): KnownBlock {
  switch (block.type) {
    case "section":
      return fitSection(block);
    case "context":
      return fitContext(block);
    case "actions":
      return fitActions(block);
    case "header":
      return fitHeader(block);
    default:
      return block;
  }
}

/** Options of {@link enforceLimits}. */
interface EnforceLimitsOptions {
  /** {@link MAX_MESSAGE_BLOCKS} for messages, {@link MAX_VIEW_BLOCKS} for views. */
  maxBlocks: number;
  /** Where the full content lives, linked from the "…and N more" notice. */
  moreUrl?: string;
}

/**
 * The last guard before anything is sent: returns blocks that satisfy every limit above,
 * whatever went in. Texts are cut, surplus fields and elements are folded into a count,
 * ids are cut to {@link MAX_ID} and made unique, and when there are too many blocks the
 * trailing ones are replaced by one "…and N more — see <link>" context block.
 */
export function enforceLimits(
  blocks: readonly KnownBlock[],
  options: EnforceLimitsOptions,
): KnownBlock[] {
  const maxBlocks = Math.max(1, Math.floor(options.maxBlocks));
  const seen = new Set<string>();
  let fitted = blocks.map((block) => {
    const out = fitBlock(block);
    if (out.block_id === undefined) return out;
    let id = out.block_id.slice(0, MAX_ID);
    for (let n = 2; seen.has(id); n++) id = `${out.block_id.slice(0, MAX_ID - 6)}_${n}`;
    seen.add(id);
    return { ...out, block_id: id };
  });
  if (fitted.length > maxBlocks) {
    const kept = fitted.slice(0, maxBlocks - 1);
    const notice: ContextBlock = {
      type: "context",
      elements: [{ type: "mrkdwn", text: moreLine(fitted.length - kept.length, options.moreUrl) }],
    };
    fitted = [...kept, notice];
  }
  return fitted;
}

/** The notification fallback: escaped mrkdwn, cut to {@link MAX_MESSAGE_TEXT}. */
export function fitMessageText(text: string): string {
  const fitted = truncateMrkdwn(text, MAX_MESSAGE_TEXT);
  return fitted.length > 0 ? fitted : PLACEHOLDER;
}
