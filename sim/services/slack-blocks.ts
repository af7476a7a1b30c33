/**
 * Block Kit validation as Slack performs it, so a renderer that overflows a limit fails in
 * the simulated world exactly as it would in production. Errors use Slack's wording and
 * JSON pointers ("must be less than 3001 characters [json-pointer:/blocks/0/text/text]").
 * Limits: https://api.slack.com/reference/block-kit/blocks and …/block-elements.
 */
export const BLOCK_LIMITS = {
  messageBlocks: 50,
  surfaceBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  id: 255,
  imageAltText: 2000,
  markdownText: 12000,
  messageText: 4000,
} as const;

const BLOCK_TYPES = new Set([
  "actions",
  "context",
  "divider",
  "file",
  "header",
  "image",
  "input",
  "markdown",
  "rich_text",
  "section",
  "table",
  "video",
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Collector {
  readonly errors: string[] = [];
  add(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }
  maxLength(value: unknown, max: number, pointer: string): void {
    if (typeof value === "string" && value.length > max) {
      this.add(`must be less than ${max + 1} characters`, pointer);
    }
  }
}

function checkTextObject(
  c: Collector,
  value: unknown,
  pointer: string,
  max: number,
  plainOnly = false,
): void {
  if (!isObject(value)) {
    c.add("expected object", pointer);
    return;
  }
  const type = value.type;
  if (type !== "plain_text" && (plainOnly || type !== "mrkdwn")) {
    c.add(
      `must be one of ${plainOnly ? '"plain_text"' : '"plain_text", "mrkdwn"'}`,
      `${pointer}/type`,
    );
  }
  if (typeof value.text !== "string") {
    c.add("expected string", `${pointer}/text`);
    return;
  }
  if (value.text.length === 0) c.add("must be more than 0 characters", `${pointer}/text`);
  c.maxLength(value.text, max, `${pointer}/text`);
}

function checkElement(c: Collector, element: unknown, pointer: string): void {
  if (!isObject(element) || typeof element.type !== "string") {
    c.add("expected object with a type", pointer);
    return;
  }
  c.maxLength(element.action_id, BLOCK_LIMITS.id, `${pointer}/action_id`);
  if (element.type === "button") {
    checkTextObject(c, element.text, `${pointer}/text`, BLOCK_LIMITS.buttonText, true);
    c.maxLength(element.value, BLOCK_LIMITS.buttonValue, `${pointer}/value`);
    c.maxLength(element.url, BLOCK_LIMITS.url, `${pointer}/url`);
    if (element.style !== undefined && element.style !== "primary" && element.style !== "danger") {
      c.add('must be one of "primary", "danger"', `${pointer}/style`);
    }
  }
  if (element.type === "image") {
    c.maxLength(element.alt_text, BLOCK_LIMITS.imageAltText, `${pointer}/alt_text`);
  }
}

function checkBlock(c: Collector, block: unknown, pointer: string): void {
  if (!isObject(block) || typeof block.type !== "string") {
    c.add("expected object with a type", pointer);
    return;
  }
  if (!BLOCK_TYPES.has(block.type)) {
    c.add(`unsupported block type: ${JSON.stringify(block.type)}`, `${pointer}/type`);
    return;
  }
  c.maxLength(block.block_id, BLOCK_LIMITS.id, `${pointer}/block_id`);
  switch (block.type) {
    case "section": {
      if (block.text === undefined && block.fields === undefined) {
        c.add("must provide either text or fields", pointer);
      }
      if (block.text !== undefined) {
        checkTextObject(c, block.text, `${pointer}/text`, BLOCK_LIMITS.sectionText);
      }
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) {
          c.add("expected array", `${pointer}/fields`);
        } else {
          if (block.fields.length > BLOCK_LIMITS.sectionFields) {
            c.add(`no more than ${BLOCK_LIMITS.sectionFields} items allowed`, `${pointer}/fields`);
          }
          block.fields.forEach((f, i) => {
            checkTextObject(c, f, `${pointer}/fields/${i}`, BLOCK_LIMITS.fieldText);
          });
        }
      }
      if (block.accessory !== undefined) checkElement(c, block.accessory, `${pointer}/accessory`);
      break;
    }
    case "header":
      checkTextObject(c, block.text, `${pointer}/text`, BLOCK_LIMITS.headerText, true);
      break;
    case "context":
    case "actions": {
      const max =
        block.type === "context" ? BLOCK_LIMITS.contextElements : BLOCK_LIMITS.actionsElements;
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        c.add("must provide at least 1 item", `${pointer}/elements`);
        break;
      }
      if (block.elements.length > max) {
        c.add(`no more than ${max} items allowed`, `${pointer}/elements`);
      }
      block.elements.forEach((el, i) => {
        const at = `${pointer}/elements/${i}`;
        if (block.type === "context" && isObject(el) && el.type !== "image") {
          checkTextObject(c, el, at, BLOCK_LIMITS.sectionText);
        } else {
          checkElement(c, el, at);
        }
      });
      break;
    }
    case "image":
      c.maxLength(block.image_url, BLOCK_LIMITS.url, `${pointer}/image_url`);
      c.maxLength(block.alt_text, BLOCK_LIMITS.imageAltText, `${pointer}/alt_text`);
      if (block.title !== undefined) {
        checkTextObject(c, block.title, `${pointer}/title`, 2000, true);
      }
      break;
    case "markdown":
      c.maxLength(block.text, BLOCK_LIMITS.markdownText, `${pointer}/text`);
      break;
    default:
      break;
  }
}

/**
 * Validates a blocks array for a surface (`maxBlocks` 50 for messages, 100 for App Home
 * and modals). Returns Slack-style error strings; empty when the blocks are acceptable.
 */
export function validateBlocks(blocks: unknown, maxBlocks: number, pointer = "/blocks"): string[] {
  const c = new Collector();
  if (!Array.isArray(blocks)) {
    c.add("expected array", pointer);
    return c.errors;
  }
  if (blocks.length > maxBlocks) c.add(`no more than ${maxBlocks} items allowed`, pointer);
  const seenIds = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(c, block, `${pointer}/${i}`);
    if (isObject(block) && typeof block.block_id === "string") {
      if (seenIds.has(block.block_id)) c.add("duplicate block_id", `${pointer}/${i}/block_id`);
      seenIds.add(block.block_id);
    }
  });
  return c.errors;
}
