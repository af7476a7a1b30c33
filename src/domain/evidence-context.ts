import { z } from "zod";
import { SpecialistIdSchema } from "./specialist-output.ts";

/**
 * The context an evidence bundle is gathered in: the ticket as Linear showed it, which
 * connectors could be used (the tool map and the route chosen), and which memory was
 * consulted. Memory here is a routing record only (invariant 2).
 */
const timestamp = z.iso.datetime({ offset: true });
const percent = z.number().min(0).max(100);

/** A Linear ticket key, e.g. ENG-123. */
export const TICKET_KEY = /^[A-Z][A-Z0-9]*-\d+$/;
export const TicketKeySchema = z.string().regex(TICKET_KEY, "Linear key, e.g. ENG-123");

/** The Linear ticket as fetched in FETCH_LINEAR. */
export const LinearSnapshotSchema = z.object({
  ticketKey: TicketKeySchema,
  title: z.string(),
  labels: z.array(z.string()),
  status: z.string().describe("Linear workflow state name"),
  priority: z.number().int().min(0).max(4).optional().describe("Linear priority, 0 = none"),
  descriptionExcerpt: z.string().max(2000).describe("redacted, truncated description"),
  url: z.string().optional(),
  linked: z.object({
    sentryIssueIds: z.array(z.string().min(1)),
    awsRefs: z.array(z.string().min(1)).describe("alarm names, log groups, AWS request IDs"),
    requestIds: z.array(z.string().min(1)),
  }),
  createdAt: timestamp,
  updatedAt: timestamp,
  fetchedAt: timestamp,
});
export type LinearSnapshot = z.infer<typeof LinearSnapshotSchema>;

export const ConnectorIdSchema = z.enum([
  "linear",
  "sentry",
  "aws",
  "github",
  "db",
  "vendor_status",
  "wiki",
]);
export type ConnectorId = z.infer<typeof ConnectorIdSchema>;

/** One connector as INVENTORY_TOOLS found it; a connector that is not available says why. */
export const ToolEntrySchema = z
  .object({
    connector: ConnectorIdSchema,
    status: z.enum(["available", "missing", "blocked"]),
    reason: z.string().min(1).optional(),
    confidenceImpact: percent.describe(
      "confidence points lost when this tool is needed but absent",
    ),
    physicallyReadOnly: z.boolean().optional().describe("db only: the replica refuses writes"),
  })
  .refine((t) => t.status === "available" || t.reason !== undefined, {
    message: "a missing or blocked tool states its reason",
    path: ["reason"],
  });
export type ToolEntry = z.infer<typeof ToolEntrySchema>;

export const RouteEntrySchema = z.object({
  specialistId: SpecialistIdSchema,
  required: z.boolean().describe("the gate needs this specialist returned or skipped with reason"),
  reason: z.string().min(1),
});
export type RouteEntry = z.infer<typeof RouteEntrySchema>;

export const ToolMapSchema = z.object({
  tools: z.array(ToolEntrySchema),
  route: z.object({
    specialists: z.array(RouteEntrySchema),
    rationale: z.string(),
  }),
});
export type ToolMap = z.infer<typeof ToolMapSchema>;

/**
 * Which wiki pages and recipes shaped the route. Routing only: nothing here is read by
 * the classifier, whose input type has no field for it (invariant 2).
 */
export const OperationalMemorySchema = z.object({
  pages: z.array(
    z.object({
      id: z.string().min(1),
      path: z.string().min(1),
      status: z.enum(["read", "skipped", "stale", "absent"]),
      reason: z.string().optional(),
      reviewedAt: timestamp.optional(),
    }),
  ),
  recipesUsed: z.array(
    z.object({ pageId: z.string().min(1), recipe: z.string().min(1), usedBy: SpecialistIdSchema }),
  ),
  negativeControlsUsed: z.array(
    z.object({ pageId: z.string().min(1), control: z.string().min(1), usedBy: SpecialistIdSchema }),
  ),
  hypothesesToRetest: z
    .array(z.object({ pageId: z.string().min(1), hypothesis: z.string().min(1) }))
    .describe("old conclusions come back as hypotheses to re-test, never as answers"),
});
export type OperationalMemory = z.infer<typeof OperationalMemorySchema>;
