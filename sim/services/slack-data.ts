import { z } from "zod";

/**
 * The Slack slice of a scenario: the workspace prode is installed in. Ids follow Slack's
 * shapes (T… team, U… user, B… bot, A… app, S… user group, C… channel). Emails, if any,
 * use example.com: the world holds no real contact details.
 */
const slackUserSchema = z
  .object({
    id: z.string().regex(/^[UW][A-Z0-9]{2,}$/, "Slack user id (U… or W…)"),
    name: z.string().min(1),
    realName: z.string().min(1),
    displayName: z.string().optional(),
    title: z.string().optional(),
    email: z.string().email().optional(),
    tz: z.string().default("Europe/Berlin"),
    isAdmin: z.boolean().default(false),
    isBot: z.boolean().default(false),
    deleted: z.boolean().default(false),
  })
  .strict();

const slackUsergroupSchema = z
  .object({
    id: z.string().regex(/^S[A-Z0-9]{2,}$/, "Slack user group id (S…)"),
    handle: z.string().min(1),
    name: z.string().min(1),
    users: z.array(z.string()).default([]),
  })
  .strict();

const slackChannelSchema = z
  .object({
    id: z.string().regex(/^[CGD][A-Z0-9]{2,}$/, "Slack channel id (C…, G… or D…)"),
    name: z.string().min(1),
    /** Members, for user_not_in_channel checks; everyone is a member when absent. */
    members: z.array(z.string()).optional(),
    isArchived: z.boolean().default(false),
  })
  .strict();

/** Messages already in a channel when the world starts (a human's report, an old thread). */
const slackSeedMessageSchema = z
  .object({
    channel: z.string(),
    user: z.string(),
    text: z.string(),
    /** Seconds relative to the world clock at start (negative = in the past). */
    atOffsetSec: z.number().default(-600),
  })
  .strict();

export const slackDataSchema = z
  .object({
    team: z
      .object({
        id: z.string().default("T0SIMPRODE"),
        name: z.string().default("Acme (simulated)"),
        domain: z.string().default("acme-sim"),
      })
      .strict()
      .prefault({}),
    bot: z
      .object({
        userId: z.string().default("U0PRODEBOT"),
        botId: z.string().default("B0PRODEBOT"),
        appId: z.string().default("A0PRODEAPP"),
        name: z.string().default("prode"),
      })
      .strict()
      .prefault({}),
    /** The bot token the world accepts; a fixture value, not a credential. */
    botToken: z.string().min(1).default("xoxb-sim-prode-bot"),
    /** Signing secret prode verifies interactions with in tests; a fixture value. */
    signingSecret: z.string().min(1).default("sim-slack-signing-secret"),
    users: z.array(slackUserSchema).default([]),
    usergroups: z.array(slackUsergroupSchema).default([]),
    channels: z.array(slackChannelSchema).min(1),
    /** Id of the channel prode opens triage threads in. */
    incidentChannel: z.string(),
    messages: z.array(slackSeedMessageSchema).default([]),
  })
  .strict()
  .superRefine((data, ctx) => {
    const channelIds = new Set(data.channels.map((c) => c.id));
    const userIds = new Set([...data.users.map((u) => u.id), data.bot.userId]);
    if (!channelIds.has(data.incidentChannel)) {
      ctx.addIssue({
        code: "custom",
        path: ["incidentChannel"],
        message: `not one of the channels (${[...channelIds].join(", ")})`,
      });
    }
    data.usergroups.forEach((g, gi) => {
      g.users.forEach((u, ui) => {
        if (!userIds.has(u)) {
          ctx.addIssue({
            code: "custom",
            path: ["usergroups", gi, "users", ui],
            message: `unknown user ${u}`,
          });
        }
      });
    });
    data.messages.forEach((m, mi) => {
      if (!channelIds.has(m.channel)) {
        ctx.addIssue({
          code: "custom",
          path: ["messages", mi, "channel"],
          message: "unknown channel",
        });
      }
    });
  });

export type SlackData = z.output<typeof slackDataSchema>;
export type SlackUserData = SlackData["users"][number];
