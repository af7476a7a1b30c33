import { compareTs } from "./slack-workspace.ts";

/** Argument parsing, errors and pagination shared by the simulated Slack methods. */

export type Args = Record<string, unknown>;
export type Answer = Record<string, unknown>;

/** An API error: answered HTTP 200 `{ok:false, error, ...extra}`, as Slack does. */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Answer = {},
  ) {
    super(error);
  }
}

export function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === "") return undefined;
  return typeof v === "string" ? v : String(v);
}

export function bool(args: Args, key: string): boolean {
  const v = args[key];
  return v === true || v === "true" || v === "1" || v === 1;
}

/** Form posts carry objects as JSON strings (WebClient serialises them that way). */
export function json(args: Args, key: string, formatError: string): unknown {
  const v = args[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new SlackApiError(formatError);
  }
}

export function invalidBlocks(errors: string[], error = "invalid_blocks"): SlackApiError {
  return new SlackApiError(error, {
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  });
}

export function pageOf<T>(items: T[], args: Args, defaultLimit: number) {
  const limit = Math.max(
    1,
    Math.min(Number(str(args, "limit") ?? defaultLimit) || defaultLimit, 999),
  );
  const cursor = str(args, "cursor");
  let start = 0;
  if (cursor !== undefined) {
    const decoded = Buffer.from(cursor, "base64").toString("utf8");
    const match = /^offset:(\d+)$/.exec(decoded);
    if (!match) throw new SlackApiError("invalid_cursor");
    start = Number(match[1]);
  }
  const page = items.slice(start, start + limit);
  const hasMore = start + limit < items.length;
  return {
    page,
    has_more: hasMore,
    response_metadata: {
      next_cursor: hasMore ? Buffer.from(`offset:${start + limit}`).toString("base64") : "",
    },
  };
}

export function inRange(ts: string, args: Args): boolean {
  const oldest = str(args, "oldest");
  const latest = str(args, "latest");
  const inclusive = bool(args, "inclusive");
  if (oldest !== undefined) {
    const c = compareTs(ts, oldest);
    if (c < 0 || (c === 0 && !inclusive)) return false;
  }
  if (latest !== undefined) {
    const c = compareTs(ts, latest);
    if (c > 0 || (c === 0 && !inclusive)) return false;
  }
  return true;
}
