/**
 * One validator for every Slack limit prode relies on, walking blocks and elements
 * recursively. Tests run every renderer's output through it; the simulated Slack server
 * can reuse it to refuse what real Slack would refuse. It also checks the one safety rule
 * of mrkdwn: the only `<…>` tokens are links to http(s) URLs and `<!date^…>` — never a
 * mention, a broadcast (`<!channel>`, `<!here>`) or a channel reference.
 */
import { AppError, ErrorCode } from "../src/domain/errors.ts";
import {
  MAX_ACTIONS_ELEMENTS,
  MAX_BUTTON_TEXT,
  MAX_BUTTON_URL,
  MAX_BUTTON_VALUE,
  MAX_CONFIRM_BUTTON,
  MAX_CONFIRM_TEXT,
  MAX_CONFIRM_TITLE,
  MAX_CONTEXT_ELEMENTS,
  MAX_CONTEXT_TEXT,
  MAX_FIELD_TEXT,
  MAX_HEADER_TEXT,
  MAX_ID,
  MAX_MESSAGE_TEXT,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT,
  maxBlocksFor,
  type Surface,
} from "./limits.ts";

/** A text found in a payload, with where it was. */
interface FoundText {
  path: string;
  type: "plain_text" | "mrkdwn";
  text: string;
}

const DATE_TOKEN = /^<!date\^\d+\^[^|<>^]+(\^[^|<>\s]+)?\|[^<>|]+>/;
const LINK_TOKEN = /^<https?:\/\/[^\s<>|]+(\|[^<>]*)?>/;
const PLAIN_FORBIDDEN = /<[!@#]|<https?:/i;

/**
 * The `<…>` sequences in mrkdwn that are not a date token or an http(s) link: each one
 * is a mention, broadcast, channel reference or unknown token Slack would act on.
 */
export function findUnsafeTokens(text: string): string[] {
  const unsafe: string[] = [];
  for (let i = text.indexOf("<"); i >= 0; i = text.indexOf("<", i + 1)) {
    const rest = text.slice(i);
    const match = DATE_TOKEN.exec(rest) ?? LINK_TOKEN.exec(rest);
    if (match === null) unsafe.push(rest.slice(0, 40));
    else i += match[0].length - 1;
  }
  return unsafe;
}

/** The URLs of every link token in a mrkdwn text, as written (entity-escaped). */
export function linkTargets(text: string): string[] {
  return [...text.matchAll(/<(https?:\/\/[^\s<>|]+)(?:\|[^<>]*)?>/g)].map((m) => m[1] ?? "");
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Checker {
  constructor(readonly surface: Surface = "message") {}
  readonly violations: string[] = [];
  readonly texts: FoundText[] = [];

  fail(path: string, message: string): void {
    this.violations.push(`${path}: ${message}`);
  }

  length(path: string, value: unknown, max: number, min = 0): void {
    if (typeof value !== "string") {
      this.fail(path, `expected a string, got ${typeof value}`);
      return;
    }
    if (value.length > max) this.fail(path, `${value.length} chars, limit ${max}`);
    if (value.length < min) this.fail(path, `empty, at least ${min} char required`);
  }

  /** A text object: plain_text or mrkdwn (or only plain_text), 1..max chars, safe tokens. */
  textObject(path: string, value: unknown, max: number, plainOnly = false): void {
    if (!isObject(value)) {
      this.fail(path, "expected a text object");
      return;
    }
    const { type, text } = value;
    if (type !== "plain_text" && (plainOnly || type !== "mrkdwn")) {
      this.fail(
        `${path}.type`,
        `expected ${plainOnly ? "plain_text" : "plain_text or mrkdwn"}, got ${String(type)}`,
      );
      return;
    }
    this.length(`${path}.text`, text, max, 1);
    if (typeof text !== "string") return;
    this.texts.push({ path: `${path}.text`, type, text });
    this.tokens(`${path}.text`, type, text);
  }

  tokens(path: string, type: "plain_text" | "mrkdwn", text: string): void {
    if (type === "plain_text") {
      if (PLAIN_FORBIDDEN.test(text)) this.fail(path, "control sequence in plain_text");
      return;
    }
    for (const token of findUnsafeTokens(text)) {
      this.fail(path, `unescaped control sequence ${JSON.stringify(token)}`);
    }
  }

  id(path: string, value: unknown): void {
    if (value !== undefined) this.length(path, value, MAX_ID, 1);
  }

  confirm(path: string, value: unknown): void {
    if (!isObject(value)) {
      this.fail(path, "expected a confirmation dialog");
      return;
    }
    if (value.title !== undefined)
      this.textObject(`${path}.title`, value.title, MAX_CONFIRM_TITLE, true);
    this.textObject(`${path}.text`, value.text, MAX_CONFIRM_TEXT);
    if (value.confirm !== undefined)
      this.textObject(`${path}.confirm`, value.confirm, MAX_CONFIRM_BUTTON, true);
    if (value.deny !== undefined)
      this.textObject(`${path}.deny`, value.deny, MAX_CONFIRM_BUTTON, true);
  }

  element(path: string, value: unknown): void {
    if (!isObject(value)) {
      this.fail(path, "expected an element");
      return;
    }
    if (value.type !== "button") {
      this.fail(`${path}.type`, `unsupported element type ${String(value.type)}`);
      return;
    }
    this.textObject(`${path}.text`, value.text, MAX_BUTTON_TEXT, true);
    this.id(`${path}.action_id`, value.action_id);
    if (value.value !== undefined) this.length(`${path}.value`, value.value, MAX_BUTTON_VALUE, 1);
    if (value.url !== undefined) {
      this.length(`${path}.url`, value.url, MAX_BUTTON_URL, 1);
      if (typeof value.url === "string" && !/^https?:\/\//i.test(value.url)) {
        this.fail(`${path}.url`, "not an http(s) URL");
      }
    }
    if (value.style !== undefined && value.style !== "primary" && value.style !== "danger") {
      this.fail(`${path}.style`, `expected primary or danger, got ${String(value.style)}`);
    }
    if (value.confirm !== undefined) this.confirm(`${path}.confirm`, value.confirm);
  }

  /** A static_select: at most 100 options, text 75 and value 150 characters each. */
  staticSelect(path: string, value: unknown): void {
    if (!isObject(value) || value.type !== "static_select") {
      this.fail(`${path}.type`, "expected a static_select");
      return;
    }
    this.id(`${path}.action_id`, value.action_id);
    if (value.placeholder !== undefined)
      this.textObject(`${path}.placeholder`, value.placeholder, 150, true);
    this.list(`${path}.options`, value.options, 100).forEach((o, i) => {
      const option = isObject(o) ? o : {};
      this.textObject(`${path}.options[${i}].text`, option.text, 75, true);
      this.length(`${path}.options[${i}].value`, option.value, 150, 1);
    });
  }

  list(path: string, value: unknown, max: number): unknown[] {
    if (!Array.isArray(value)) {
      this.fail(path, "expected an array");
      return [];
    }
    if (value.length === 0) this.fail(path, "empty");
    if (value.length > max) this.fail(path, `${value.length} items, limit ${max}`);
    return value;
  }

  block(path: string, block: unknown): void {
    if (!isObject(block)) {
      this.fail(path, "expected a block object");
      return;
    }
    this.id(`${path}.block_id`, block.block_id);
    switch (block.type) {
      case "section": {
        if (block.text === undefined && block.fields === undefined) {
          this.fail(path, "section needs text or fields");
        }
        if (block.text !== undefined) this.textObject(`${path}.text`, block.text, MAX_SECTION_TEXT);
        if (block.fields !== undefined) {
          this.list(`${path}.fields`, block.fields, MAX_SECTION_FIELDS).forEach((f, i) => {
            this.textObject(`${path}.fields[${i}]`, f, MAX_FIELD_TEXT);
          });
        }
        if (block.accessory !== undefined) this.element(`${path}.accessory`, block.accessory);
        return;
      }
      case "header":
        this.textObject(`${path}.text`, block.text, MAX_HEADER_TEXT, true);
        return;
      case "context":
        this.list(`${path}.elements`, block.elements, MAX_CONTEXT_ELEMENTS).forEach((e, i) => {
          if (isObject(e) && e.type === "image") {
            this.length(`${path}.elements[${i}].image_url`, e.image_url, MAX_BUTTON_URL, 1);
            this.length(`${path}.elements[${i}].alt_text`, e.alt_text, 2_000, 1);
          } else {
            this.textObject(`${path}.elements[${i}]`, e, MAX_CONTEXT_TEXT);
          }
        });
        return;
      case "actions": {
        const seen = new Set<unknown>();
        this.list(`${path}.elements`, block.elements, MAX_ACTIONS_ELEMENTS).forEach((e, i) => {
          this.element(`${path}.elements[${i}]`, e);
          const actionId = isObject(e) ? e.action_id : undefined;
          if (actionId !== undefined && seen.has(actionId)) {
            this.fail(`${path}.elements[${i}].action_id`, `duplicate ${String(actionId)}`);
          }
          seen.add(actionId);
        });
        return;
      }
      case "divider":
        return;
      case "input":
        // Inputs live in modals only (the feedback modal's exit choice).
        if (this.surface !== "modal") this.fail(`${path}.type`, "input blocks belong in modals");
        this.textObject(`${path}.label`, block.label, 2_000, true);
        this.staticSelect(`${path}.element`, block.element);
        return;
      default:
        this.fail(`${path}.type`, `unsupported block type ${String(block.type)}`);
    }
  }
}

function check(payload: unknown, surface: Surface): Checker {
  const c = new Checker(surface);
  if (!isObject(payload)) {
    c.fail("payload", "expected an object");
    return c;
  }
  if (payload.text !== undefined) {
    c.length("text", payload.text, MAX_MESSAGE_TEXT, 1);
    if (typeof payload.text === "string") {
      // The top-level text is parsed as mrkdwn and drives notifications.
      c.texts.push({ path: "text", type: "mrkdwn", text: payload.text });
      c.tokens("text", "mrkdwn", payload.text);
    }
  }
  if (surface !== "message" && payload.type !== undefined && payload.type !== surface) {
    c.fail("type", `expected ${surface}, got ${String(payload.type)}`);
  }
  if (!Array.isArray(payload.blocks)) {
    if (payload.blocks !== undefined || payload.text === undefined)
      c.fail("blocks", "expected an array");
    return c;
  }
  const max = maxBlocksFor(surface);
  if (payload.blocks.length > max)
    c.fail("blocks", `${payload.blocks.length} blocks, limit ${max} for ${surface}`);
  const ids = new Set<unknown>();
  payload.blocks.forEach((block, i) => {
    c.block(`blocks[${i}]`, block);
    const id = isObject(block) ? block.block_id : undefined;
    if (id !== undefined) {
      if (ids.has(id)) c.fail(`blocks[${i}].block_id`, `duplicate ${String(id)}`);
      ids.add(id);
    }
  });
  return c;
}

/** Every limit violation in a message (`{text, blocks}`) or view (`{type, blocks}`). */
export function findSlackLimitViolations(payload: unknown, surface: Surface): string[] {
  return check(payload, surface).violations;
}

/** Every text object in a payload, including the top-level text, with its path. */
export function textsOf(payload: unknown, surface: Surface = "message"): FoundText[] {
  return check(payload, surface).texts;
}

/**
 * Throws {@link AppError} (bad_input) listing every violation when the payload breaks any
 * Slack limit or contains an unsafe control sequence; returns silently otherwise.
 */
export function assertWithinSlackLimits(payload: unknown, surface: Surface): void {
  const violations = findSlackLimitViolations(payload, surface);
  if (violations.length > 0) {
    const shown = violations.slice(0, 20).join("\n  ");
    const more = violations.length > 20 ? `\n  …and ${violations.length - 20} more` : "";
    throw new AppError(
      ErrorCode.BadInput,
      `payload breaks Slack limits for a ${surface}:\n  ${shown}${more}`,
    );
  }
}
