import { z } from "zod";
import { IncidentClassSchema } from "../src/domain/classifier-schema.ts";
import { OUTCOMES, PHASES } from "../src/domain/phases.ts";
import { faultSpecSchema } from "./faults.ts";
import { replicaSchema } from "./scenario-replica.ts";
import { awsDataSchema } from "./services/aws-data.ts";
import { githubDataSchema, repoPath } from "./services/github-data.ts";
import {
  checkIssueReferences,
  linearDataSchema,
  linearIssueSchema,
} from "./services/linear-data.ts";
import { sentryDataSchema } from "./services/sentry-data.ts";
import { slackDataSchema } from "./services/slack-data.ts";
import { statuspageDataSchema } from "./services/statuspage.ts";
import { SIM_SERVICE_NAMES } from "./types.ts";

/**
 * One scenario file = one simulated world plus what prode is expected to conclude in it.
 * Each provider's slice is validated by that service's own `dataSchema`; the scenario
 * adds the ticket, the replica tables, vendor status pages, faults and expectations.
 */

const CONNECTORS = [
  "slack",
  "linear",
  "sentry",
  "github",
  "aws",
  "replica",
  "vendorStatus",
] as const;

/** "service:method", e.g. "slack:chat.postMessage" or "github:POST /repos/{owner}/{repo}/pulls". */
const callKey = z
  .string()
  .regex(
    new RegExp(`^(${SIM_SERVICE_NAMES.join("|")}):.+$`),
    '"service:method", e.g. "slack:chat.postMessage"',
  );

const expectedSchema = z
  .object({
    /** The canonical outcome the run ends with. */
    outcome: z.enum(OUTCOMES),
    /** The furthest phase the run must reach. */
    reaches: z.enum(PHASES).optional(),
    /** The class prode must reach; absent where a senior SRE would not commit to one. */
    classification: IncidentClassSchema.optional(),
    confidenceAtLeast: z.number().min(0).max(100).optional(),
    confidenceBelow: z.number().min(0).max(100).optional(),
    pullRequest: z.boolean().default(false),
    /** Action kinds that must be left pending approval (never performed by prode). */
    pendingApprovals: z.array(z.string().min(1)).default([]),
    /** Evidence sources the bundle must record as missing or failed. */
    gaps: z.array(z.string().min(1)).default([]),
    /** Exact call counts, e.g. { "slack:chat.postMessage": 1 }. */
    calls: z.record(callKey, z.number().int().nonnegative()).default({}),
    /** Globs over "service:method" that must never be called (e.g. "aws:*.Put*", "sentry:PUT *"). */
    forbiddenCalls: z.array(callKey).default([]),
  })
  .strict();

/**
 * What the reference coding agent of the simulated world applies in IMPLEMENT (issue 14):
 * files written over the repository at the run's base commit, path → full new content.
 */
const deliverySchema = z
  .object({
    /** The correct fix, with the test that shows it. */
    fix: z.record(repoPath, z.string()).refine((f) => Object.keys(f).length > 0, "no files"),
    /** A plausible change whose checks fail (VERIFY must stop it). */
    broken: z.record(repoPath, z.string()).optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, "kebab-case, equal to the file name"),
    description: z.string().min(1),
    /**
     * The kind of incident, for the eval's per-family accuracy ("error-after-deploy",
     * "vendor", "az-outage", …). Optional: a scenario without one is "unfiled".
     */
    family: z
      .string()
      .regex(/^[a-z0-9-]+$/, "kebab-case")
      .optional(),
    /** The world clock when the world starts (advances in real time from there). */
    now: z.iso.datetime({ offset: true }),
    /** The production service the ticket is about. */
    service: z.string().min(1),
    /** Which connectors prode is configured with in this scenario; all by default. */
    integrations: z
      .object(
        Object.fromEntries(CONNECTORS.map((c) => [c, z.boolean().default(true)])) as {
          [K in (typeof CONNECTORS)[number]]: z.ZodDefault<z.ZodBoolean>;
        },
      )
      .strict()
      .prefault({}),
    ticket: linearIssueSchema,
    linear: linearDataSchema.prefault({}),
    slack: slackDataSchema,
    sentry: sentryDataSchema.optional(),
    github: githubDataSchema.optional(),
    aws: awsDataSchema.optional(),
    replica: replicaSchema.optional(),
    vendorStatus: statuspageDataSchema.optional(),
    faults: z.array(faultSpecSchema).default([]),
    delivery: deliverySchema.optional(),
    expected: expectedSchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    checkIssueReferences(s.linear, s.ticket, ["ticket"], ctx);
    if (s.linear.issues.some((i) => i.identifier === s.ticket.identifier)) {
      ctx.addIssue({
        code: "custom",
        path: ["linear", "issues"],
        message: `duplicates the ticket ${s.ticket.identifier}`,
      });
    }
    for (const connector of ["sentry", "github", "aws", "replica", "vendorStatus"] as const) {
      if (s.integrations[connector] && s[connector] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [connector],
          message: `missing: integrations.${connector} is on (set it to false when the connector is absent)`,
        });
      }
    }
  });

export type Scenario = z.output<typeof scenarioSchema> & {
  /** The file the scenario was loaded from. */
  file?: string;
};
export type ScenarioExpectation = Scenario["expected"];
