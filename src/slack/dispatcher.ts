import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { escapeMrkdwn } from "../../blocks/escape.ts";
import { finish, type RenderedMessage, section } from "../../blocks/kit.ts";
import { claimDelivery } from "../adapters/slack/deliveries.ts";
import {
  type HandleSlackInteraction,
  requireSlack,
  type SlackConfig,
  type SlackInteraction,
} from "../adapters/slack/interaction.ts";
import { replyEphemeral } from "../adapters/slack/reply.ts";
import { createUserGroupResolver, type UserGroupResolver } from "../adapters/slack/user-groups.ts";
import { createUserNames, type UserNames } from "../adapters/slack/user-names.ts";
import type { Db } from "../db/client.ts";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import { cachedPolicySource, type PolicySource } from "../policy/source.ts";
import type { RunnerDeps } from "../runner/types.ts";
import { handleApprovalClick } from "./approval-actions.ts";
import { answerProdeCommand, type StartTriage } from "./commands.ts";
import { handleFeedbackClick, handleFeedbackSubmit } from "./feedback.ts";
import { answerMention } from "./follow-up.ts";
import { publishHome } from "./home.ts";
import { createUserIdentities } from "./user-identity.ts";

/** What handling interactions needs; the same in the web and the worker process. */
export interface SlackInteractionDeps {
  db: Db;
  log: Logger;
  /** Enqueues a run's next step when an approval moves it out of AWAIT_APPROVAL. */
  enqueue: RunnerDeps["enqueue"];
  /** `/prode triage`: starts or joins the ticket's run (the pipeline's). */
  startTriage: StartTriage;
  /** Defaults to the policy files in PRODE_POLICY_DIR, cached briefly. */
  policyFor?: PolicySource;
  now?: () => Date;
}

export interface SlackInteractionHandler {
  handle: HandleSlackInteraction;
  groups: UserGroupResolver;
  names: UserNames;
}

/** A response_url reply (works in DMs and channels the bot is not in). */
async function respondTo(url: string, message: RenderedMessage): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      response_type: "ephemeral",
      replace_original: false,
      text: message.text,
      blocks: message.blocks,
    }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) {
    throw new AppError(ErrorCode.UpstreamRejected, `response_url answered HTTP ${res.status}`);
  }
}

function failure(e: AppError): RenderedMessage {
  const text = `Something went wrong (${e.code}); nothing more was done. Try again in a minute.`;
  return finish(text, [section(`:warning: ${escapeMrkdwn(text)}`)]);
}

/**
 * Handles acknowledged interactions: each delivery once (recorded in `deliveries`;
 * a retry of one already handled is dropped), its reply ephemeral to the user.
 */
export function createSlackInteractionHandler(input: {
  config: SlackConfig;
  /** The process's one WebClient (createSlackWebClient). */
  client: WebClient;
  deps: SlackInteractionDeps;
}): SlackInteractionHandler {
  requireSlack(input.config);
  const { deps, client } = input;
  const log = deps.log.child({ component: "slack" });
  const groups = createUserGroupResolver(client, { log });
  const names = createUserNames(client);
  const policyFor = deps.policyFor ?? cachedPolicySource(input.config.PRODE_POLICY_DIR);
  const now = deps.now ?? (() => new Date());
  const groupsOf = (userId: string, candidates: readonly string[]) =>
    groups.groupsOf(userId, candidates);
  const identityOf = createUserIdentities(client);

  const reply = (
    to: { channel?: string | undefined; user: string; threadTs?: string | undefined },
    responseUrl: string | undefined,
    message: RenderedMessage,
  ) =>
    replyEphemeral(
      client,
      { channel: to.channel, user: to.user, threadTs: to.threadTs },
      message,
      responseUrl ? (m) => respondTo(responseUrl, m) : undefined,
    );

  async function run(i: SlackInteraction): Promise<void> {
    switch (i.kind) {
      case "command": {
        const message = await answerProdeCommand(
          { db: deps.db, log, policyFor, groupsOf, startTriage: deps.startTriage, now },
          i.text,
          { userId: i.userId },
        );
        await reply({ channel: i.channelId, user: i.userId }, i.responseUrl, message);
        return;
      }
      case "approval":
        await handleApprovalClick(
          {
            client,
            db: deps.db,
            log,
            names,
            enqueue: deps.enqueue,
            policyFor,
            groupsOf,
            identityOf,
            now,
          },
          i,
          (message) =>
            reply(
              { channel: i.channel, user: i.userId, threadTs: i.threadTs },
              i.responseUrl,
              message,
            ).then(() => undefined),
        );
        return;
      case "home":
        await publishHome({ db: deps.db, client, policyFor, groupsOf, names, now }, i.userId);
        return;
      case "mention":
        await answerMention(
          { db: deps.db, log, policyFor, groupsOf, startTriage: deps.startTriage, now, client },
          i,
          (message) =>
            reply(
              { channel: i.channel, user: i.userId, threadTs: i.threadTs },
              undefined,
              message,
            ).then(() => undefined),
        );
        return;
      case "feedback":
        await handleFeedbackClick({ db: deps.db, client, policyFor, groupsOf, now }, i, (message) =>
          reply(
            { channel: i.channel, user: i.userId, threadTs: i.threadTs },
            i.responseUrl,
            message,
          ).then(() => undefined),
        );
        return;
      case "feedback_submit":
        await handleFeedbackSubmit(
          { db: deps.db, client, policyFor, groupsOf, now },
          i,
          async (to, message) => {
            // A modal has no response_url: without the thread's channel the answer is lost.
            if (!to.channel) return;
            await reply(
              { channel: to.channel, user: i.userId, threadTs: to.threadTs },
              undefined,
              message,
            );
          },
        );
        return;
      default: {
        const never: never = i;
        throw new AppError(ErrorCode.BadInput, `unknown interaction ${JSON.stringify(never)}`);
      }
    }
  }

  return {
    groups,
    names,
    async handle(i) {
      if (!(await claimDelivery(deps.db, i.deliveryId))) {
        log.info({ deliveryId: i.deliveryId }, "duplicate slack delivery dropped");
        return;
      }
      try {
        await run(i);
      } catch (error) {
        const e = asAppError(error);
        log.error({ err: e, code: e.code, kind: i.kind }, "slack interaction failed");
        if (i.kind !== "home" && i.kind !== "feedback_submit") {
          const to = i.kind === "command" ? { channel: i.channelId } : { channel: i.channel };
          const url = i.kind === "mention" ? undefined : i.responseUrl;
          await reply({ ...to, user: i.userId }, url, failure(e)).catch(() => {});
        }
        throw e;
      }
    },
  };
}
