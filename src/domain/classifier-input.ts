import { z } from "zod";
import { AppError, ErrorCode } from "./errors.ts";
import {
  type LinearSnapshot,
  RouteEntrySchema,
  TicketKeySchema,
  ToolEntrySchema,
  type ToolMap,
} from "./evidence-context.ts";
import { SignalSchema } from "./signals.ts";
import {
  EvidenceGapSchema,
  SpecialistIdSchema,
  type SpecialistOutput,
} from "./specialist-output.ts";

/**
 * What the classifier may look at, and nothing more. Invariant 2 ("memory is not
 * proof") is enforced here by construction: there is no field that can hold a wiki
 * page, recipe or past conclusion: only typed signals, stated gaps, the tool map and
 * the few ticket fields the rules need. The schema is strict at the top level, so a
 * smuggled extra field is refused at runtime as well as at compile time, and nested
 * unknown keys are stripped.
 */
const timestamp = z.iso.datetime({ offset: true });

const ClassifierEvidenceSchema = z.strictObject({
  specialistId: SpecialistIdSchema,
  status: z.enum(["returned", "skipped", "failed", "timed_out"]),
  statusDetail: z.string().optional().describe("skip reason or error code"),
  latestFetchedAt: timestamp.optional().describe("newest source fetchedAt, for freshness"),
  signals: z.array(SignalSchema),
  gaps: z.array(EvidenceGapSchema),
});
export type ClassifierEvidence = z.infer<typeof ClassifierEvidenceSchema>;

const ClassifierInputSchema = z.strictObject({
  ticket: z.strictObject({
    ticketKey: TicketKeySchema,
    labels: z.array(z.string()),
    linkedSentryIssueIds: z.array(z.string().min(1)),
  }),
  tools: z.array(ToolEntrySchema),
  route: z.array(RouteEntrySchema),
  evidence: z.array(ClassifierEvidenceSchema),
});
/** The classifier's whole input. Has no field for memory: see the module comment. */
export type ClassifierInput = z.infer<typeof ClassifierInputSchema>;

/** Parses classifier input; a field the schema does not know (e.g. `memory`) is `bad_input`. */
export function parseClassifierInput(raw: unknown): ClassifierInput {
  const parsed = ClassifierInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.BadInput,
      `classifier input does not parse: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

function statusDetail(output: SpecialistOutput): string | undefined {
  switch (output.status) {
    case "returned":
      return undefined;
    case "skipped":
      return output.reason;
    case "failed":
      return output.error.code;
    case "timed_out":
      return `deadline ${output.deadlineMs} ms`;
    default: {
      const never: never = output;
      return never;
    }
  }
}

/** The latest of ISO timestamps, compared as instants (offsets may differ). */
function newest(timestamps: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const t of timestamps) if (best === undefined || Date.parse(t) > Date.parse(best)) best = t;
  return best;
}

/**
 * Builds the classifier input from the parts of a bundle that are evidence. It takes the
 * ticket, the tool map and the specialist outputs by name, so the operational memory
 * never travels this way even by accident.
 */
export function toClassifierInput(parts: {
  linear: LinearSnapshot;
  toolMap: ToolMap;
  specialists: readonly SpecialistOutput[];
}): ClassifierInput {
  return {
    ticket: {
      ticketKey: parts.linear.ticketKey,
      labels: [...parts.linear.labels],
      linkedSentryIssueIds: [...parts.linear.linked.sentryIssueIds],
    },
    tools: parts.toolMap.tools.map((t) => ({ ...t })),
    route: parts.toolMap.route.specialists.map((r) => ({ ...r })),
    evidence: parts.specialists.map((output) => {
      const detail = statusDetail(output);
      const latest = newest(output.sources.map((s) => s.fetchedAt));
      return {
        specialistId: output.specialistId,
        status: output.status,
        ...(detail === undefined ? {} : { statusDetail: detail }),
        ...(latest === undefined ? {} : { latestFetchedAt: latest }),
        signals: output.signals.map((s) => ({ ...s })),
        gaps: output.gaps.map((g) => ({ ...g })),
      };
    }),
  };
}
