/**
 * The checks every rendered payload must pass in tests: all Slack limits (through the
 * shared validator), no forbidden marker from user input, well-formed UTF-16 (no split
 * surrogate pair), and links only to URLs that the view model gave as URLs. Test-only.
 */
import { safeUrl } from "../../../blocks/escape.ts";
import type { RenderedMessage } from "../../../blocks/kit.ts";
import type { Surface } from "../../../blocks/limits.ts";
import { assertWithinSlackLimits, linkTargets, textsOf } from "../../../blocks/validate.ts";
import { FORBIDDEN_MARKERS } from "./hostile.ts";

const URL_KEYS = new Set([
  "url",
  "linear",
  "sentry",
  "pullRequest",
  "run",
  "thread",
  "moreUrl",
  "artifactUrl",
  "messageUrl",
  "threadUrl",
]);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string under a URL-named key of a view model, in link form. */
export function urlsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) urlsIn(item, out);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (URL_KEYS.has(key) && typeof child === "string") {
        const href = safeUrl(child);
        if (href !== undefined) out.add(href);
      } else {
        urlsIn(child, out);
      }
    }
  }
  return out;
}

/** Throws with the first broken rule; `view` is the input, for the link check. */
export function assertSafeRender(payload: RenderedMessage, surface: Surface, view: unknown): void {
  assertWithinSlackLimits(payload, surface);
  if (typeof payload.text !== "string" || payload.text.length === 0) {
    throw new Error("the notification text is empty");
  }
  const json = JSON.stringify(payload);
  for (const marker of FORBIDDEN_MARKERS) {
    if (json.includes(marker)) throw new Error(`forbidden marker ${marker} in output`);
  }
  const allowed = urlsIn(view);
  for (const found of textsOf(payload, surface)) {
    if (LONE_SURROGATE.test(found.text)) {
      throw new Error(`${found.path}: a surrogate pair was split`);
    }
    if (found.type !== "mrkdwn") continue;
    for (const target of linkTargets(found.text)) {
      if (!allowed.has(target))
        throw new Error(`${found.path}: link to ${target} not given as a URL`);
    }
  }
}

/** Every button in a payload. */
export function buttonsOf(payload: RenderedMessage): Array<Record<string, unknown>> {
  const buttons: Array<Record<string, unknown>> = [];
  for (const block of payload.blocks) {
    if (block.type === "actions") {
      for (const e of block.elements) if (e.type === "button") buttons.push(e as never);
    }
    if (block.type === "section" && block.accessory?.type === "button") {
      buttons.push(block.accessory as never);
    }
  }
  return buttons;
}
