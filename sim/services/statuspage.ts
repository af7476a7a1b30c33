import { z } from "zod";
import type { SimHandled, SimRequest, SimService, SimServiceInstance } from "../types.ts";

/**
 * Vendor status pages in Atlassian Statuspage's public v2 API shape
 * (https://metastatuspage.com/api/v2): `{mount}/{vendor}/api/v2/summary.json`,
 * `status.json`, `components.json`, `incidents/unresolved.json`. The vendor specialist
 * reads these; a scenario's `vendorStatus` maps a vendor key to its summary.
 */
const componentStatus = z.enum([
  "operational",
  "degraded_performance",
  "partial_outage",
  "major_outage",
  "under_maintenance",
]);

const componentSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: componentStatus,
  updated_at: z.string(),
  description: z.string().nullable().default(null),
});

const incidentUpdateSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  body: z.string(),
  created_at: z.string(),
  display_at: z.string().optional(),
});

const incidentSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(["investigating", "identified", "monitoring", "resolved", "postmortem"]),
  impact: z.enum(["none", "minor", "major", "critical"]),
  created_at: z.string(),
  updated_at: z.string(),
  resolved_at: z.string().nullable().default(null),
  shortlink: z.string().optional(),
  incident_updates: z.array(incidentUpdateSchema).default([]),
  components: z.array(componentSchema).default([]),
});

const statusSummarySchema = z.looseObject({
  page: z.looseObject({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    time_zone: z.string().default("Etc/UTC"),
    updated_at: z.string(),
  }),
  status: z.object({
    indicator: z.enum(["none", "minor", "major", "critical", "maintenance"]),
    description: z.string(),
  }),
  components: z.array(componentSchema).default([]),
  incidents: z.array(incidentSchema).default([]),
  scheduled_maintenances: z.array(z.unknown()).default([]),
  /**
   * Not served: how the scenario's deployment configures this source for prode
   * (PRODE_VENDOR_MATCH). `kind: cloud` makes it the cloud provider's status.
   */
  match: z
    .strictObject({
      kind: z.enum(["vendor", "cloud"]).optional(),
      hosts: z.array(z.string().min(1)).optional(),
      errorTypes: z.array(z.string().min(1)).optional(),
      requestIds: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});

export const statuspageDataSchema = z.record(z.string().regex(/^[a-z0-9-]+$/), statusSummarySchema);
type StatuspageData = z.output<typeof statuspageDataSchema>;

class StatuspageSim implements SimServiceInstance {
  readonly state: { data: StatuspageData };

  constructor(private readonly data: StatuspageData) {
    this.state = { data };
  }

  identify(req: SimRequest): string {
    const m = /^\/([a-z0-9-]+)\/api\/v2\/(.+)$/.exec(req.path);
    return m ? `${m[1]}/${m[2]}` : `${req.method} ${req.path}`;
  }

  handle(req: SimRequest): SimHandled {
    const method = this.identify(req);
    const m = /^\/([a-z0-9-]+)\/api\/v2\/(.+)$/.exec(req.path);
    const summary = m?.[1] ? this.data[m[1]] : undefined;
    if (!m || !summary || req.method !== "GET") {
      return { method, status: 404, body: { error: "Not Found" } };
    }
    const unresolved = summary.incidents.filter(
      (i) => i.status !== "resolved" && i.status !== "postmortem",
    );
    const { match: _prodeConfig, ...served } = summary;
    const bodies: Record<string, unknown> = {
      "summary.json": served,
      "status.json": { page: summary.page, status: summary.status },
      "components.json": { page: summary.page, components: summary.components },
      "incidents.json": { page: summary.page, incidents: summary.incidents },
      "incidents/unresolved.json": { page: summary.page, incidents: unresolved },
    };
    const body = bodies[m[2] ?? ""];
    if (body === undefined) return { method, status: 404, body: { error: "Not Found" } };
    return { method, status: 200, body };
  }
}

export const statuspageService: SimService<StatuspageData> = {
  name: "statuspage",
  mount: "/statuspage",
  dataSchema: statuspageDataSchema,
  create: (data) => new StatuspageSim(data),
};
