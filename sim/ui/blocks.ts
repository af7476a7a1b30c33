import { escapeHtml, type MrkdwnContext, renderMrkdwn, renderPlain, safeHref } from "./mrkdwn.ts";

/**
 * Block Kit as HTML for the simulated workspace page: headers, sections (text, fields,
 * accessory), context, dividers, actions (buttons, with their confirmation dialogs),
 * images and modal inputs (static selects). Unknown blocks show as a labelled
 * placeholder rather than vanishing, so a renderer mistake is visible. Every text goes
 * through the escaping mrkdwn renderer; buttons carry their action id, value and block
 * id as data attributes the page's script posts back (signed by the world's server).
 * Reference: https://docs.slack.dev/reference/block-kit/blocks
 */

type Json = Record<string, unknown>;

interface TextObject {
  type?: string;
  text?: string;
  emoji?: boolean;
  verbatim?: boolean;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A text object (mrkdwn or plain_text) as HTML. */
export function renderText(value: unknown, ctx: MrkdwnContext): string {
  if (typeof value === "string") return renderMrkdwn(value, ctx);
  if (!isObject(value)) return "";
  const t = value as TextObject;
  const text = typeof t.text === "string" ? t.text : "";
  return t.type === "plain_text" ? renderPlain(text, t.emoji !== false) : renderMrkdwn(text, ctx);
}

function attr(name: string, value: unknown): string {
  return typeof value === "string" ? ` ${name}="${escapeHtml(value)}"` : "";
}

/** A confirmation dialog, kept hidden beside its button; the page shows it on click. */
function renderConfirm(confirm: unknown, ctx: MrkdwnContext): string {
  if (!isObject(confirm)) return "";
  return (
    `<div class="confirm" hidden>` +
    `<div class="confirm-title">${renderText(confirm.title, ctx)}</div>` +
    `<div class="confirm-text">${renderText(confirm.text, ctx)}</div>` +
    `<div class="confirm-yes">${renderText(confirm.confirm ?? { type: "plain_text", text: "Yes" }, ctx)}</div>` +
    `<div class="confirm-no">${renderText(confirm.deny ?? { type: "plain_text", text: "Cancel" }, ctx)}</div>` +
    "</div>"
  );
}

/** One interactive element: a button (action or link), or a labelled stand-in for others. */
function renderElement(element: unknown, blockId: unknown, ctx: MrkdwnContext): string {
  if (!isObject(element)) return "";
  if (element.type === "button") {
    const style = element.style === "primary" || element.style === "danger" ? element.style : "";
    const label = renderText(element.text, ctx);
    const href = typeof element.url === "string" ? safeHref(element.url) : undefined;
    if (href) {
      return `<a class="button ${style}" href="${escapeHtml(href)}" target="_blank" rel="noopener">${label}</a>`;
    }
    return (
      `<span class="button-wrap"><button type="button" class="button ${style}" data-kind="action"` +
      attr("data-action-id", element.action_id) +
      attr("data-value", element.value) +
      attr("data-block-id", blockId) +
      `>${label}</button>${renderConfirm(element.confirm, ctx)}</span>`
    );
  }
  if (element.type === "image") {
    const src = typeof element.image_url === "string" ? safeHref(element.image_url) : undefined;
    return src
      ? `<img class="inline-image" src="${escapeHtml(src)}"${attr("alt", element.alt_text)}>`
      : "";
  }
  if (element.type === "mrkdwn" || element.type === "plain_text") return renderText(element, ctx);
  if (element.type === "static_select") return renderSelect(element, blockId);
  return `<span class="unsupported">[${escapeHtml(String(element.type ?? "element"))}]</span>`;
}

/** A static select (modal input): the options as the user may pick them. */
function renderSelect(element: Json, blockId: unknown): string {
  const options = Array.isArray(element.options) ? element.options.filter(isObject) : [];
  const initial = isObject(element.initial_option) ? element.initial_option.value : undefined;
  const placeholder = isObject(element.placeholder) ? String(element.placeholder.text ?? "") : "";
  const items = options
    .map((o) => {
      const value = typeof o.value === "string" ? o.value : "";
      const text = isObject(o.text) ? String(o.text.text ?? value) : value;
      return `<option value="${escapeHtml(value)}"${value === initial ? " selected" : ""}>${escapeHtml(text)}</option>`;
    })
    .join("");
  return (
    `<select class="select"${attr("data-block-id", blockId)}${attr("data-action-id", element.action_id)}>` +
    `<option value="" disabled${initial === undefined ? " selected" : ""}>${escapeHtml(placeholder)}</option>` +
    `${items}</select>`
  );
}

/** One block as HTML. */
export function renderBlock(block: unknown, ctx: MrkdwnContext): string {
  if (!isObject(block)) return "";
  const id = block.block_id;
  switch (block.type) {
    case "header":
      return `<div class="block header">${renderText(block.text, ctx)}</div>`;
    case "divider":
      return `<hr class="block divider">`;
    case "section": {
      const text = block.text
        ? `<div class="section-text">${renderText(block.text, ctx)}</div>`
        : "";
      const fields = Array.isArray(block.fields)
        ? `<div class="fields">${block.fields.map((f) => `<div class="field">${renderText(f, ctx)}</div>`).join("")}</div>`
        : "";
      const accessory = block.accessory
        ? `<div class="accessory">${renderElement(block.accessory, id, ctx)}</div>`
        : "";
      return `<div class="block section"><div class="section-body">${text}${fields}</div>${accessory}</div>`;
    }
    case "context": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="block context">${elements.map((e) => `<span class="context-item">${renderElement(e, id, ctx)}</span>`).join("")}</div>`;
    }
    case "actions": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="block actions">${elements.map((e) => renderElement(e, id, ctx)).join("")}</div>`;
    }
    case "image": {
      const src = typeof block.image_url === "string" ? safeHref(block.image_url) : undefined;
      const title = block.title
        ? `<div class="image-title">${renderText(block.title, ctx)}</div>`
        : "";
      return src
        ? `<div class="block image">${title}<img src="${escapeHtml(src)}"${attr("alt", block.alt_text)}></div>`
        : "";
    }
    case "input":
      return (
        `<div class="block input"><label>${renderText(block.label, ctx)}</label>` +
        `${renderElement(block.element, id, ctx)}</div>`
      );
    default:
      return `<div class="block unsupported">[${escapeHtml(String(block.type ?? "block"))} block]</div>`;
  }
}

/** A message's blocks as HTML; without blocks, its text as mrkdwn (Slack's fallback). */
export function renderMessageBody(
  message: { text?: string; blocks?: unknown[] },
  ctx: MrkdwnContext,
): string {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) {
    return message.blocks.map((b) => renderBlock(b, ctx)).join("");
  }
  return `<div class="block section"><div class="section-text">${renderMrkdwn(message.text ?? "", ctx)}</div></div>`;
}
