import { z } from "zod";

/**
 * Who started a run (DESIGN.md invariant 4: the requester of the run's approvals). A
 * human on Slack (`/prode triage`), a human on Linear (the actor who labelled or filed
 * the ticket, from the signed webhook), or nobody (the poller, the CLI without a user,
 * an integration): then no human requested, and the approver still must be authorised.
 * Recorded once in the run's context when the run is created; never from ticket text.
 */
export const RunStarterSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("slack"), userId: z.string().min(1).max(64) }),
  z.object({
    kind: z.literal("linear"),
    userId: z.string().min(1).max(128),
    name: z.string().max(200).optional(),
    /** Links the Linear actor to a Slack user for the two-person rule. */
    email: z.string().max(320).optional(),
  }),
  z.object({ kind: z.literal("none"), via: z.string().min(1).max(64) }),
]);
export type RunStarter = z.infer<typeof RunStarterSchema>;

const SLACK_USER = /^[UW][A-Z0-9]{2,30}$/;

/**
 * The starter an intake actor string names: `slack:U…` is a Slack user; anything else
 * (`linear-webhook`, `poller`, `cli`) is no human.
 */
export function starterFromActor(actor: string): RunStarter {
  const slack = /^slack:(.+)$/.exec(actor)?.[1];
  if (slack && SLACK_USER.test(slack)) return { kind: "slack", userId: slack };
  return { kind: "none", via: actor.slice(0, 64) || "unknown" };
}

/**
 * The requester an approval row stores: `slack:U…`, `linear:<id>`, or `prode` when no
 * human started the run. A bare Slack user id (rows written before starters) reads as
 * a Slack user.
 */
export function requesterOf(starter: RunStarter): string {
  switch (starter.kind) {
    case "slack":
      return `slack:${starter.userId}`;
    case "linear":
      return `linear:${starter.userId}`;
    case "none":
      return "prode";
    default: {
      const never: never = starter;
      return String(never);
    }
  }
}

/** Reads an approval row's requester back (see {@link requesterOf}). */
export function parseRequester(requester: string): RunStarter {
  if (requester === "prode" || requester === "") return { kind: "none", via: "prode" };
  const linear = /^linear:(.+)$/.exec(requester)?.[1];
  if (linear) return { kind: "linear", userId: linear };
  const slack = /^slack:(.+)$/.exec(requester)?.[1] ?? requester;
  return SLACK_USER.test(slack)
    ? { kind: "slack", userId: slack }
    : { kind: "none", via: requester };
}
