import { type Redis, ReplyError } from "ioredis";
import type { Logger } from "pino";
import { AppError, asAppError, ErrorCode } from "../../domain/errors.ts";
import type { SlackInteraction } from "./interaction.ts";

/**
 * Acknowledged Slack interactions, handed from the web process to the worker process
 * (DESIGN.md: "every interaction is acknowledged well inside Slack's 3-second limit;
 * work happens in jobs") through a Redis stream with a consumer group.
 *
 * Why a stream and not a BullMQ job: the web process must stay free to ack. Adding a
 * BullMQ job costs the web process ~0.5 ms of CPU per interaction (job object, packed
 * options, a Lua call with a dozen arguments), several times Bolt's own work per
 * request; an XADD in a pipelined batch costs a few microseconds. The stream keeps
 * what matters of a queue: entries survive a web restart, each goes to one consumer,
 * and an entry a crashed consumer was holding is claimed by another (XAUTOCLAIM).
 * Phase jobs stay on BullMQ.
 */
const SLACK_INTERACTION_STREAM = "slack-interactions";
const GROUP = "prode";

function interactionStreamKey(prefix: string): string {
  return `${prefix}:${SLACK_INTERACTION_STREAM}`;
}

/**
 * The error code of a Redis error reply: RESP puts it first ("-BUSYGROUP Consumer Group
 * name already exists"; https://redis.io/docs/latest/develop/reference/protocol-spec/#simple-errors),
 * and ioredis raises the reply as a ReplyError with that text. The code is the protocol's
 * structured part, not prose.
 */
function redisErrorCode(error: unknown): string | undefined {
  return error instanceof ReplyError
    ? String((error as Error).message).split(" ", 1)[0]
    : undefined;
}

export interface SlackInteractionQueue {
  key: string;
  /** Appends the interaction (batched with others arriving within `batchMs`). */
  enqueue(interaction: SlackInteraction): Promise<void>;
  /** Entries not yet handled (waiting or being handled). */
  backlog(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The web side. Interactions arriving within `batchMs` (10 ms) of each other go to Redis in
 * one pipelined write. The stream is capped (approximately `maxLength` entries) so a
 * stopped worker cannot fill Redis. An interaction Redis has not taken within
 * `timeoutMs` (Redis down or restarting: the connection queues commands until it is
 * back) is refused with a retryable UpstreamUnavailable, so the caller can tell the user
 * instead of acknowledging work that went nowhere; each outcome is counted.
 */
export function createSlackInteractionQueue(
  redis: Redis,
  prefix: string,
  options: {
    batchMs?: number;
    maxBatch?: number;
    maxLength?: number;
    timeoutMs?: number;
    count?: (outcome: InteractionOutcome) => void;
  } = {},
): SlackInteractionQueue {
  const key = interactionStreamKey(prefix);
  const batchMs = options.batchMs ?? 10;
  const maxBatch = options.maxBatch ?? 100;
  const maxLength = options.maxLength ?? 100_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let batch: { data: string; done: (error?: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const sending = batch;
    batch = [];
    if (sending.length === 0) return;
    const pipeline = redis.pipeline();
    for (const s of sending) pipeline.xadd(key, "MAXLEN", "~", maxLength, "*", "i", s.data);
    try {
      const results = (await pipeline.exec()) ?? [];
      for (const [i, s] of sending.entries()) s.done(results[i]?.[0] ?? undefined);
    } catch (error) {
      for (const s of sending) s.done(error);
    }
  };

  return {
    key,
    enqueue(interaction) {
      return new Promise<void>((resolve, reject) => {
        const data = JSON.stringify(interaction);
        let settled = false;
        const done = (error?: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          options.count?.(error ? "refused" : "enqueued");
          if (error) reject(asAppError(error, ErrorCode.UpstreamUnavailable));
          else resolve();
        };
        const deadline = setTimeout(
          () =>
            done(
              new AppError(
                ErrorCode.UpstreamUnavailable,
                `redis did not take the interaction within ${timeoutMs} ms`,
                { retryable: true },
              ),
            ),
          timeoutMs,
        );
        batch.push({ data, done });
        if (batch.length >= maxBatch) void flush();
        else timer ??= setTimeout(() => void flush(), batchMs);
      });
    },
    backlog: () => redis.xlen(key),
    close: () => flush(),
  };
}

export interface SlackInteractionWorker {
  /** Interactions being handled right now. */
  readonly inFlight: number;
  /**
   * Stops reading and waits up to `graceMs` (default 10 s) for interactions in hand;
   * one still running then is left unacknowledged, for another consumer to claim.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

type StreamEntry = [id: string, fields: string[]];

function parseEntry(fields: string[]): SlackInteraction | undefined {
  const raw = fields[fields.indexOf("i") + 1];
  try {
    return raw ? (JSON.parse(raw) as SlackInteraction) : undefined;
  } catch {
    return undefined;
  }
}

/** What happened to one interaction: counted by the caller (prode_slack_interactions_total). */
export type InteractionOutcome =
  | "enqueued"
  | "refused" // web could not enqueue it: not acknowledged, the user is told to retry
  | "handled"
  | "failed" // the handler failed: reported to the user, not replayed
  | "unreadable";

/** Delay after the nth consecutive consumer error: exponential from 100 ms, capped, jittered. */
export function consumerBackoffMs(failures: number, capMs = 10_000): number {
  const base = Math.min(capMs, 100 * 2 ** Math.min(failures - 1, 16));
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

/**
 * The worker side: reads the stream as consumer `consumer` of the group, handles up to
 * `concurrency` interactions at once, and acknowledges (and deletes) each entry once
 * handled, successfully or not: a failure has already been reported to the user and
 * is not replayed behind their back. Every `claimIdleMs` it takes over entries another
 * consumer read but never acknowledged (it crashed); handling is deduplicated by the
 * delivery id, so a claimed entry that was in fact handled is dropped. Blocking reads
 * use a duplicate of `connection`, so acknowledgements never queue behind them.
 *
 * The loop outlives Redis: a flush or a restart without persistence removes the stream
 * and its group (NOGROUP), so the group is created again, from the start of whatever
 * the web process appended since (XGROUP CREATE ... 0 MKSTREAM); any other error (Redis
 * down, a timeout) is logged and retried with backoff. Only close() ends it (issue 17.5).
 */
export function startSlackInteractionWorker(options: {
  connection: Redis;
  prefix: string;
  consumer: string;
  handle: (interaction: SlackInteraction) => Promise<void>;
  log: Logger;
  concurrency?: number;
  claimIdleMs?: number;
  blockMs?: number;
  /** Called once per interaction outcome, and once per consumer error (by its code). */
  count?: (outcome: InteractionOutcome) => void;
  countError?: (code: string) => void;
}): SlackInteractionWorker {
  const redis = options.connection;
  const blocking = redis.duplicate();
  const key = interactionStreamKey(options.prefix);
  const concurrency = options.concurrency ?? 8;
  const claimIdleMs = options.claimIdleMs ?? 60_000;
  const blockMs = options.blockMs ?? 1_000;
  let stopped = false;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let lastClaim = 0;

  const handleEntry = async ([id, fields]: StreamEntry) => {
    inFlight += 1;
    try {
      const interaction = parseEntry(fields);
      if (interaction) {
        await options.handle(interaction);
        options.count?.("handled");
      } else {
        options.count?.("unreadable");
        options.log.error({ id }, "unreadable slack interaction dropped");
      }
    } catch (error) {
      const e = asAppError(error);
      options.count?.("failed");
      options.log.error({ err: e, code: e.code, id }, "slack interaction failed");
    } finally {
      await redis
        .multi()
        .xack(key, GROUP, id)
        .xdel(key, id)
        .exec()
        .catch((error) =>
          options.log.warn({ err: error, id }, "could not acknowledge interaction"),
        );
      inFlight -= 1;
      wake?.();
    }
  };

  const slotFree = () =>
    inFlight < concurrency
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          wake = resolve;
        });

  /** Sleeps `ms`, or less when close() is called. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const createGroup = () =>
    redis.xgroup("CREATE", key, GROUP, "0", "MKSTREAM").catch((error: unknown) => {
      if (redisErrorCode(error) !== "BUSYGROUP") throw error;
    });

  const readSome = async (): Promise<StreamEntry[]> => {
    const room = concurrency - inFlight;
    if (Date.now() - lastClaim >= Math.min(claimIdleMs, 10_000)) {
      lastClaim = Date.now();
      const claimed = (await redis.xautoclaim(
        key,
        GROUP,
        options.consumer,
        claimIdleMs,
        "0",
        "COUNT",
        room,
      )) as [string, StreamEntry[]];
      const entries = (claimed[1] ?? []).filter((e) => e?.[1]);
      if (entries.length > 0) return entries;
    }
    const read = (await blocking.xreadgroup(
      "GROUP",
      GROUP,
      options.consumer,
      "COUNT",
      room,
      "BLOCK",
      blockMs,
      "STREAMS",
      key,
      ">",
    )) as [string, StreamEntry[]][] | null;
    return read?.[0]?.[1] ?? [];
  };

  const loop = async () => {
    let groupReady = false;
    let failures = 0;
    while (!stopped) {
      try {
        if (!groupReady) {
          await createGroup();
          groupReady = true;
        }
        await slotFree();
        if (stopped) break;
        for (const entry of await readSome()) void handleEntry(entry);
        failures = 0;
      } catch (error) {
        if (stopped) break;
        const code = redisErrorCode(error) ?? asAppError(error).code;
        options.countError?.(code);
        failures += 1;
        if (code === "NOGROUP") {
          // The stream or its group is gone (FLUSHALL, a restart without persistence).
          groupReady = false;
          options.log.warn({ key }, "slack interaction group gone (Redis flushed?); recreating");
          if (failures === 1) continue;
        }
        const delayMs = consumerBackoffMs(failures);
        options.log.warn(
          { err: error, code, failures, delayMs },
          "slack interaction consumer error; retrying",
        );
        await pause(delayMs);
      }
    }
  };

  const running = loop();

  return {
    get inFlight() {
      return inFlight;
    },
    async close({ graceMs = 10_000 } = {}) {
      stopped = true;
      wake?.();
      await running;
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      blocking.disconnect();
    },
  };
}
