import { z } from "zod";

/**
 * The Linear slice of a scenario: the workspace (organization, teams, users, workflow
 * states, labels) and its issues. A scenario's top-level `ticket` is added to `issues`
 * by sim/scenario.ts. Users, states and labels are referred to by name/key so that
 * scenario files stay readable; ids are derived deterministically.
 */
const isoDate = z.iso.datetime({ offset: true });

const linearCommentSchema = z
  .object({
    id: z.string().optional(),
    body: z.string().min(1),
    /** A `users[].key`; the Linear app user (viewer) when absent. */
    user: z.string().optional(),
    createdAt: isoDate,
  })
  .strict();

const linearAttachmentSchema = z
  .object({
    id: z.string().optional(),
    title: z.string().min(1),
    subtitle: z.string().optional(),
    url: z.url(),
    /** Integration that created it, e.g. "sentry", "github", "slack". */
    sourceType: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
    createdAt: isoDate.optional(),
  })
  .strict();

/** Linear's names of the priorities, indexed by `priority`. */
export const PRIORITY_LABELS = ["No priority", "Urgent", "High", "Medium", "Low"];

export const linearIssueSchema = z
  .object({
    id: z.uuid().optional(),
    identifier: z.string().regex(/^[A-Z][A-Z0-9]*-\d+$/, "issue identifier like ENG-123"),
    title: z.string().min(1),
    description: z.string().default(""),
    /** 0 none, 1 urgent, 2 high, 3 medium, 4 low (Linear's scale). */
    priority: z.number().int().min(0).max(4).default(0),
    /** A workflow state name of the issue's team. */
    state: z.string().default("Triage"),
    labels: z.array(z.string()).default([]),
    /** The Linear project the issue belongs to (its name), if any. */
    project: z.string().min(1).optional(),
    assignee: z.string().optional(),
    creator: z.string().optional(),
    createdAt: isoDate,
    updatedAt: isoDate.optional(),
    comments: z.array(linearCommentSchema).default([]),
    attachments: z.array(linearAttachmentSchema).default([]),
  })
  .strict();

const linearUserSchema = z
  .object({
    /** How the scenario refers to the user (comments, assignee). */
    key: z.string().min(1),
    id: z.uuid().optional(),
    name: z.string().min(1),
    displayName: z.string().optional(),
    email: z.string().email().optional(),
  })
  .strict();

const workflowStateTypes = [
  "triage",
  "backlog",
  "unstarted",
  "started",
  "completed",
  "canceled",
] as const;

const linearStateSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(workflowStateTypes),
    color: z.string().default("#95a2b3"),
  })
  .strict();

const DEFAULT_STATES: z.output<typeof linearStateSchema>[] = [
  { name: "Triage", type: "triage", color: "#fc7840" },
  { name: "Backlog", type: "backlog", color: "#bec2c8" },
  { name: "Todo", type: "unstarted", color: "#e2e2e2" },
  { name: "In Progress", type: "started", color: "#f2c94c" },
  { name: "In Review", type: "started", color: "#5e6ad2" },
  { name: "Done", type: "completed", color: "#5e6ad2" },
  { name: "Canceled", type: "canceled", color: "#95a2b3" },
];

export const linearDataSchema = z
  .object({
    /** The API key the world accepts (Authorization header); a fixture, not a credential. */
    apiKey: z.string().min(1).default("lin_api_sim_prode"),
    /** Secret the world's webhook helper signs deliveries with; a fixture. */
    webhookSecret: z.string().min(1).default("sim-linear-webhook-secret"),
    organization: z
      .object({
        id: z.uuid().default("6f2a1c1e-0b7d-4a4e-9a51-3c1d2e4f5a60"),
        name: z.string().default("Acme (simulated)"),
        urlKey: z.string().default("acme-sim"),
      })
      .strict()
      .prefault({}),
    /** The user the API key belongs to: prode's Linear app user. */
    viewer: z
      .object({
        id: z.uuid().default("0c7d3f4e-5a6b-4c8d-9e0f-1a2b3c4d5e6f"),
        name: z.string().default("prode"),
        displayName: z.string().default("prode"),
        email: z.string().email().default("prode-bot@example.com"),
      })
      .strict()
      .prefault({}),
    teams: z
      .array(z.object({ key: z.string().regex(/^[A-Z][A-Z0-9]*$/), name: z.string() }).strict())
      .default([{ key: "ENG", name: "Engineering" }]),
    users: z.array(linearUserSchema).default([]),
    states: z.array(linearStateSchema).default(DEFAULT_STATES),
    labels: z
      .array(z.object({ name: z.string().min(1), color: z.string().default("#bec2c8") }).strict())
      .default([]),
    issues: z.array(linearIssueSchema).default([]),
  })
  .strict()
  .superRefine((data, ctx) => {
    data.issues.forEach((issue, i) => {
      checkIssueReferences(data, issue, ["issues", i], ctx);
    });
  });

/**
 * Cross-references of one issue against the workspace (team from the identifier, state,
 * users), reported at `path` so a scenario's `ticket` errors name `ticket.…`.
 */
export function checkIssueReferences(
  workspace: Pick<z.output<typeof linearDataSchema>, "teams" | "states" | "users">,
  issue: z.output<typeof linearIssueSchema>,
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const teamKeys = new Set(workspace.teams.map((t) => t.key));
  const stateNames = new Set(workspace.states.map((s) => s.name));
  const userKeys = new Set(workspace.users.map((u) => u.key));
  const teamKey = issue.identifier.split("-")[0] ?? "";
  if (!teamKeys.has(teamKey)) {
    ctx.addIssue({
      code: "custom",
      path: [...path, "identifier"],
      message: `team ${teamKey} is not one of teams[].key (${[...teamKeys].join(", ")})`,
    });
  }
  if (!stateNames.has(issue.state)) {
    ctx.addIssue({
      code: "custom",
      path: [...path, "state"],
      message: `unknown workflow state (one of ${[...stateNames].join(", ")})`,
    });
  }
  for (const field of ["assignee", "creator"] as const) {
    const key = issue[field];
    if (key !== undefined && !userKeys.has(key)) {
      ctx.addIssue({ code: "custom", path: [...path, field], message: `unknown user ${key}` });
    }
  }
  issue.comments.forEach((c, ci) => {
    if (c.user !== undefined && !userKeys.has(c.user)) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "comments", ci, "user"],
        message: `unknown user ${c.user}`,
      });
    }
  });
}

export type LinearData = z.output<typeof linearDataSchema>;
export type WorkflowStateType = (typeof workflowStateTypes)[number];
