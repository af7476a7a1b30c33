import type { SlackMessage } from "../services/slack-workspace.ts";

/**
 * The incident channel as a terminal shows it: each parent message with its thread,
 * Block Kit turned into readable lines (headers, sections, fields, context, buttons).
 * Slack's own markup is kept light: *bold* and `code` read fine as they are.
 */
type Block = {
  type: string;
  text?: { text?: string } | string;
  fields?: { text?: string }[];
  elements?: { type: string; text?: { text?: string } | string; style?: string }[];
};

function textOf(value: { text?: string } | string | undefined): string {
  if (!value) return "";
  return typeof value === "string" ? value : (value.text ?? "");
}

/** Slack's escapes and date tokens, made readable. */
function plain(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, "$1")
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, "$2 ($1)")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export function renderBlocks(blocks: readonly unknown[], indent: string): string[] {
  const lines: string[] = [];
  for (const raw of blocks as Block[]) {
    switch (raw.type) {
      case "header":
        lines.push(`${indent}■ ${plain(textOf(raw.text))}`);
        break;
      case "section":
        if (raw.text)
          lines.push(
            ...plain(textOf(raw.text))
              .split("\n")
              .map((l) => `${indent}${l}`),
          );
        for (const f of raw.fields ?? [])
          lines.push(`${indent}  · ${plain(textOf(f.text)).replace(/\n/g, " ")}`);
        break;
      case "context":
        lines.push(
          `${indent}  ${(raw.elements ?? []).map((e) => plain(textOf(e.text))).join("  ·  ")}`,
        );
        break;
      case "actions":
        lines.push(
          `${indent}  ${(raw.elements ?? []).map((e) => `[ ${plain(textOf(e.text))} ]`).join(" ")}`,
        );
        break;
      case "divider":
        lines.push(`${indent}${"─".repeat(40)}`);
        break;
      default:
        break;
    }
  }
  return lines;
}

export function renderChannel(channel: string, messages: readonly SlackMessage[]): string {
  const parents = messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
  const out: string[] = [];
  for (const parent of parents) {
    out.push(`#${channel} ${parent.edited ? "(updated) " : ""}`);
    out.push(
      ...(parent.blocks?.length ? renderBlocks(parent.blocks, "│ ") : [`│ ${plain(parent.text)}`]),
    );
    for (const reply of messages.filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts)) {
      out.push("│  ↳ thread reply");
      out.push(
        ...(reply.blocks?.length
          ? renderBlocks(reply.blocks, "│    ")
          : [`│    ${plain(reply.text)}`]),
      );
    }
    out.push("");
  }
  return out.join("\n");
}
