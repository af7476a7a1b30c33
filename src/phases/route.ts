import type { SpecialistTools, ToolName } from "../../specialists/tools.ts";
import type { RoutingHints, Specialist, TicketContext } from "../../specialists/types.ts";
import type { RouteEntry, ToolEntry } from "../domain/evidence-context.ts";

/** Which inventory connector backs each specialist tool. */
export const CONNECTOR_OF: Record<ToolName, ToolEntry["connector"]> = {
  sentry: "sentry",
  cloudwatch: "aws",
  replica: "db",
  github: "github",
  vendorStatus: "vendor_status",
};

export interface RoutedSpecialist {
  specialist: Specialist;
  entry: RouteEntry;
  /** Tools it needs that the inventory does not have: it is skipped with this reason. */
  missing: ToolName[];
  /** Optional tools the inventory does not have: withheld, the specialist records the gap. */
  withheld: ToolName[];
}

/** Connectors the inventory found available. */
export function availableConnectors(tools: readonly ToolEntry[]): Set<ToolEntry["connector"]> {
  return new Set(tools.filter((t) => t.status === "available").map((t) => t.connector));
}

/** The tools a specialist declared that `available` connectors do not back. */
export function gapsFor(
  specialist: Specialist,
  available: ReadonlySet<ToolEntry["connector"]>,
): Pick<RoutedSpecialist, "missing" | "withheld"> {
  const unavailable = (tool: ToolName) => !available.has(CONNECTOR_OF[tool]);
  return {
    missing: specialist.needs.filter(unavailable),
    withheld: (specialist.optionalTools ?? []).filter(unavailable),
  };
}

/**
 * ROUTE_SPECIALISTS: evidence specialists that policy enables and whose `appliesTo`
 * says yes. A specialist whose tools are missing is still routed, so that it is
 * recorded as skipped with its reason and its gap, never silently dropped.
 */
export function routeSpecialists(
  specialists: readonly Specialist[],
  enabled: readonly string[],
  ticket: TicketContext,
  tools: readonly ToolEntry[],
  hints: RoutingHints,
): { routed: RoutedSpecialist[]; rationale: string } {
  const available = availableConnectors(tools);
  const routed: RoutedSpecialist[] = [];
  const notes: string[] = [];
  for (const specialist of specialists) {
    if (specialist.phase !== "evidence") continue;
    if (!enabled.includes(specialist.id)) {
      notes.push(`${specialist.id}: disabled by policy`);
      continue;
    }
    const decision = specialist.appliesTo(ticket, [...tools], hints);
    if (!decision.applies) {
      notes.push(`${specialist.id}: ${decision.reason}`);
      continue;
    }
    routed.push({
      specialist,
      entry: { specialistId: specialist.id, required: decision.required, reason: decision.reason },
      ...gapsFor(specialist, available),
    });
  }
  const rationale = [
    `routed ${routed.map((r) => r.specialist.id).join(", ") || "none"}`,
    ...(hints.pages.length ? [`wiki pages consulted for routing: ${hints.pages.join(", ")}`] : []),
    ...notes,
  ].join("; ");
  return { routed, rationale };
}

/** Only the tools a specialist declared (needed or optional), and only those configured. */
export function toolsFor(
  specialist: Specialist,
  all: SpecialistTools,
  unavailable: readonly ToolName[],
): SpecialistTools {
  const granted: SpecialistTools = {};
  for (const name of [...specialist.needs, ...(specialist.optionalTools ?? [])]) {
    if (unavailable.includes(name)) continue;
    const tool = all[name];
    if (tool) (granted as Record<ToolName, unknown>)[name] = tool;
  }
  return granted;
}
