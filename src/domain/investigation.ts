import { z } from "zod";
import { CONFLICT_CHECKS } from "./classifier-conflicts.ts";
import type { Classification } from "./classifier-schema.ts";
import { runOnset } from "./run-onset.ts";
import { type ServiceResolution, ServiceResolutionSchema } from "./service-resolution.ts";
import type { SpecialistOutput } from "./specialist-output.ts";

/**
 * The bundle's account of how the run reasoned about time and identity: the onset it
 * chose (time, source, uncertainty), the windows every series and deploy was read over,
 * the service resolution (and any mismatch), and every conflict check with its result.
 * Derived only from the evidence, the classification and the resolution. Pure.
 */
const timestamp = z.iso.datetime({ offset: true });

export const InvestigationSchema = z.object({
  onset: z
    .object({
      at: timestamp,
      source: z.enum(["series", "data_state"]),
      specialistId: z.string().min(1),
      measure: z.string().min(1).optional(),
      sourceRef: z.string().min(1),
      uncertaintyMinutes: z.number().nonnegative(),
      what: z.string().min(1),
      candidates: z.number().int().nonnegative().describe("credible rises compared"),
      service: z
        .string()
        .min(1)
        .optional()
        .describe("the service the dating series is about, as its source resolved it"),
    })
    .optional()
    .describe("absent: no returned evidence dated the symptom"),
  windows: z.array(
    z.object({
      kind: z.enum(["series", "deploy", "absence"]),
      subject: z.string().min(1),
      specialistId: z.string().min(1),
      sourceRef: z.string().min(1),
      start: timestamp,
      end: timestamp,
      /** The split: a series' onset, a deploy's time. Before it is "before", after "after". */
      anchor: timestamp.optional(),
    }),
  ),
  resolution: ServiceResolutionSchema.optional().describe(
    "the service resolution, when the ticket phase recorded one",
  ),
  conflictsChecked: z.array(
    z.object({
      check: z.string().min(1),
      pair: z.string().min(1),
      result: z.enum(["none", "conflict", "material_conflict"]),
      subjects: z.array(z.string().min(1)),
    }),
  ),
});
export type Investigation = z.infer<typeof InvestigationSchema>;

function windowsOf(outputs: readonly SpecialistOutput[]): Investigation["windows"] {
  const windows: Investigation["windows"] = [];
  for (const output of outputs) {
    if (output.status !== "returned") continue;
    for (const s of output.signals) {
      const base = { specialistId: output.specialistId, sourceRef: s.sourceRef };
      if (s.kind === "series_change" && s.windowStart && s.windowEnd) {
        const where = [s.service, s.scope?.resource, s.scope?.route].filter(Boolean).join(" ");
        windows.push({
          ...base,
          kind: "series",
          subject: `${s.measure}${where ? ` of ${where}` : ""} (${s.direction})`,
          start: s.windowStart,
          end: s.windowEnd,
          ...(s.onset ? { anchor: s.onset } : {}),
        });
      } else if (s.kind === "release_correlation" && s.windowStart && s.windowEnd) {
        windows.push({
          ...base,
          kind: "deploy",
          subject: `release ${s.release} (correlated)`,
          start: s.windowStart,
          end: s.windowEnd,
          anchor: s.deployedAt,
        });
      } else if (s.kind === "deploy_absent" && s.windowStart && s.windowEnd) {
        windows.push({
          ...base,
          kind: "absence",
          subject: `no deploy${s.service ? ` of ${s.service}` : ""} in ${s.windowHours} h`,
          start: s.windowStart,
          end: s.windowEnd,
        });
      } else if (s.kind === "change_event" && s.change === "deploy") {
        windows.push({
          ...base,
          kind: "deploy",
          subject: `deploy ${s.ref} (not correlated${s.minutesBeforeOnset === undefined ? "" : `, ${s.minutesBeforeOnset} min before the onset`})`,
          start: s.at,
          end: s.at,
          anchor: s.at,
        });
      }
    }
  }
  return windows;
}

function checksOf(conflicts: Classification["conflicts"]): Investigation["conflictsChecked"] {
  return CONFLICT_CHECKS.map((c) => {
    const found = conflicts.filter((k) => k.subject.startsWith(c.subjectPrefix));
    const result = found.some((k) => k.material)
      ? "material_conflict"
      : found.length > 0
        ? "conflict"
        : "none";
    return { check: c.id, pair: c.pair, result, subjects: found.map((k) => k.subject) };
  });
}

export function investigationOf(input: {
  specialists: readonly SpecialistOutput[];
  classification?: Classification;
  resolution?: ServiceResolution;
}): Investigation {
  const onset = runOnset(input.specialists);
  return {
    ...(onset ? { onset } : {}),
    windows: windowsOf(input.specialists),
    ...(input.resolution ? { resolution: input.resolution } : {}),
    conflictsChecked: checksOf(input.classification?.conflicts ?? []),
  };
}
