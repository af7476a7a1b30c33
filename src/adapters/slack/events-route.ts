import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Logger } from "pino";
import { asAppError } from "../../domain/errors.ts";
import type { HttpReply, HttpRequest, Route } from "../http/server.ts";
import {
  isSslCheck,
  parseSlackBody,
  type SlackListened,
  type SlackWorkspace,
} from "./events-body.ts";
import { SLACK_TIMESTAMP_WINDOW_SEC, verifySlackSignature } from "./signing.ts";

/** Slack's acknowledgement deadline; past it the request is answered without Bolt's ack. */
const ACK_DEADLINE_MS = 3_000;

/**
 * A Bolt receiver that owns no socket: our web server reads, caps and verifies the
 * request and hands Bolt a validated event through {@link SlackEventsReceiver.dispatch}.
 * Bolt's HTTPReceiver instead buffered up to 4 MB before checking the signature and ran
 * each request in a detached async closure, where one bad body became an unhandled
 * rejection; here every step is awaited inside the route, so a failure is a logged 500.
 */
export class SlackEventsReceiver implements Receiver {
  private app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /**
   * Runs the event through Bolt. Resolves with the HTTP reply as soon as a listener acks
   * (the listener goes on afterwards, its failure logged), or when Bolt finished
   * without an ack (nothing listened: 200, Slack needs no more), or at the deadline.
   */
  dispatch(
    body: Record<string, unknown>,
    retry: { retryNum?: number; retryReason?: string },
    log: Logger,
  ): Promise<HttpReply> {
    const app = this.app;
    if (!app) throw new Error("slack receiver used before the app initialised it");
    return new Promise<HttpReply>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(
        () => settle(() => resolve({ status: 503, body: { error: "not acknowledged in time" } })),
        ACK_DEADLINE_MS,
      );
      timer.unref();
      const event: ReceiverEvent = {
        body,
        ack: async (response?: unknown) => {
          settle(() =>
            resolve({
              status: 200,
              body:
                response === undefined || response === null || response === ""
                  ? ""
                  : typeof response === "string"
                    ? response
                    : response,
            }),
          );
        },
        ...(retry.retryNum === undefined ? {} : { retryNum: retry.retryNum }),
        ...(retry.retryReason === undefined ? {} : { retryReason: retry.retryReason }),
      };
      Promise.resolve()
        .then(() => app.processEvent(event))
        .then(
          () => settle(() => resolve({ status: 200, body: "" })),
          (error: unknown) => {
            if (settled) {
              const e = asAppError(error);
              log.error({ err: e, code: e.code }, "slack listener failed after its ack");
              return;
            }
            settle(() => reject(error));
          },
        );
    });
  }
}

function slackHeaderRefusal(headers: HttpRequest["headers"]): string | undefined {
  const ts = headers["x-slack-request-timestamp"];
  const signature = headers["x-slack-signature"];
  if (ts === undefined && signature === undefined) {
    const type = String(headers["content-type"] ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    return type === "application/x-www-form-urlencoded" ? undefined : "missing_headers";
  }
  if (typeof ts !== "string" || typeof signature !== "string") return "missing_headers";
  if (!/^\d{1,12}$/.test(ts)) return "bad_timestamp";
  const skew = Math.abs(Math.floor(Date.now() / 1000) - Number(ts));
  return skew > SLACK_TIMESTAMP_WINDOW_SEC ? "stale_timestamp" : undefined;
}

/**
 * Whether a request's workspace is the one prode's bot token belongs to: the same team,
 * or (an organisation-wide Enterprise Grid install) the same organisation. A request that
 * names neither is not ours: Slack names the workspace in every command, click and event.
 */
export function isOurWorkspace(ours: SlackWorkspace, theirs: SlackWorkspace): boolean {
  if (ours.teamId !== undefined && theirs.teamId === ours.teamId) return true;
  return ours.enterpriseId !== undefined && theirs.enterpriseId === ours.enterpriseId;
}

function header(req: HttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * POST /slack/events: commands, interactions and events. The server has already capped
 * the body at 1 MiB (refusing a larger declared length unread); here the signature and
 * its timestamp (5 minutes either way) are checked over the raw bytes, the body is parsed
 * and validated ({@link parseSlackBody}), and only then does Bolt see it.
 */
export function slackEventsRoute(input: {
  path: string;
  signingSecret: string;
  receiver: SlackEventsReceiver;
  listened: SlackListened;
  /**
   * The workspace of prode's bot token (auth.test, cached). A signed request from another
   * workspace (the signing secret is per app, and one app can be installed in several)
   * is answered 403 before Bolt sees it. Rejects when Slack cannot say: the request is
   * answered 503 and Slack retries it.
   */
  workspace: () => Promise<SlackWorkspace>;
  log: Logger;
}): Route {
  const { signingSecret, receiver, listened, log } = input;
  return {
    method: "POST",
    path: input.path,
    // Before the body is read: a present timestamp outside the window, or no signature on
    // a body that cannot be Slack's unsigned SSL check (a form post).
    precheck(headers) {
      const reason = slackHeaderRefusal(headers);
      if (!reason) return undefined;
      log.warn({ reason }, "slack request refused");
      return { status: 401, body: { error: "invalid signature", reason } };
    },
    async handle(req): Promise<HttpReply> {
      const contentType = req.headers["content-type"];
      // Slack checks our certificate with an unsigned form post; nothing is processed.
      if (isSslCheck(contentType, req.rawBody)) return { status: 200, body: "" };
      const signed = verifySlackSignature(signingSecret, req.headers, req.rawBody);
      if (!signed.ok) {
        log.warn({ reason: signed.reason }, "slack request refused");
        return { status: 401, body: { error: "invalid signature", reason: signed.reason } };
      }
      const parsed = parseSlackBody(contentType, req.rawBody, listened);
      if (!parsed.ok) return { status: parsed.status, body: { error: parsed.error } };
      const value = parsed.value;
      switch (value.kind) {
        case "ssl_check":
          return { status: 200, body: "" };
        case "url_verification":
          return { status: 200, body: { challenge: value.challenge } };
        case "ignored":
          log.debug({ what: value.what }, "slack request acknowledged; nothing listens to it");
          return { status: 200, body: "" };
        case "bolt": {
          let ours: SlackWorkspace;
          try {
            ours = await input.workspace();
          } catch (error) {
            const e = asAppError(error);
            log.warn({ err: e, code: e.code }, "slack workspace unknown (auth.test); retry asked");
            return { status: 503, body: { error: "prode's Slack workspace is not known yet" } };
          }
          if (!isOurWorkspace(ours, value.workspace)) {
            // Counted by the server (prode_http_rejects_total, reason "other workspace").
            log.debug(
              {
                team: value.workspace.teamId?.slice(0, 40),
                enterprise: value.workspace.enterpriseId?.slice(0, 40),
              },
              "slack request from another workspace refused",
            );
            return {
              status: 403,
              body: { error: "other workspace: prode serves only its own Slack workspace" },
            };
          }
          const retryNum = header(req, "x-slack-retry-num");
          const retryReason = header(req, "x-slack-retry-reason");
          return receiver.dispatch(
            value.body,
            {
              ...(retryNum && /^\d{1,3}$/.test(retryNum) ? { retryNum: Number(retryNum) } : {}),
              ...(retryReason ? { retryReason: retryReason.slice(0, 100) } : {}),
            },
            log,
          );
        }
        default: {
          const unreachable: never = value;
          return unreachable;
        }
      }
    },
  };
}
