import {
  activeVendorIncidents,
  correlatedVendorErrors,
  implicatedVendorOperational,
  isolatedVendorErrors,
  STATUS_POSTING_LAG_MINUTES,
  vendorIncidentsAfterOnset,
  vendorQuotaExhausted,
  withoutDeploy,
} from "./classifier-features.ts";
import type { Rule } from "./classifier-rule.ts";

/** Rules for and against a vendor's failure. */
export const VENDOR_RULES: readonly Rule[] = [
  {
    id: "vendor.status_incident",
    class: "vendor",
    effect: "supports",
    points: 50,
    explanation:
      "the implicated vendor's status page reports an open incident (another vendor's incident does not count)",
    match: activeVendorIncidents,
  },
  {
    id: "vendor.errors_correlated",
    class: "vendor",
    effect: "supports",
    points: 25,
    explanation: "failing requests carry the vendor's correlation IDs",
    match: correlatedVendorErrors,
  },
  {
    id: "vendor.isolated_by_control",
    class: "vendor",
    effect: "supports",
    points: 45,
    explanation:
      "while the vendor's calls failed, the same client reached other hosts with 2xx answers, or its other calls to the vendor's own host answered: our way out works, so the fault is on the vendor's side (stands in for a status incident its page has not posted yet, or for a vendor with no status page)",
    match: isolatedVendorErrors,
  },
  {
    id: "vendor.quota_exhausted",
    class: "vendor",
    effect: "supports",
    points: 30,
    explanation: "our calls to a vendor are at 90% or more of its quota or rate limit",
    match: vendorQuotaExhausted,
  },
  {
    id: "vendor.without_deploy",
    class: "vendor",
    effect: "supports",
    points: 10,
    explanation: "vendor symptoms with no deploy of ours in the window",
    match: (i) =>
      withoutDeploy(
        i,
        activeVendorIncidents(i),
        correlatedVendorErrors(i),
        vendorQuotaExhausted(i),
      ),
  },
  {
    id: "vendor.operational",
    class: "vendor",
    effect: "refutes",
    points: 40,
    explanation:
      "the implicated vendor's status page is operational (another vendor's green status does not count; nor does it while our telemetry isolates that vendor: status pages lag)",
    match: implicatedVendorOperational,
  },
  {
    id: "vendor.incident_after_onset",
    class: "vendor",
    effect: "refutes",
    points: 30,
    explanation: `the vendor's incident began more than ${STATUS_POSTING_LAG_MINUTES} min after our symptom: our symptom came first, so the incident is not its cause`,
    match: vendorIncidentsAfterOnset,
  },
];
