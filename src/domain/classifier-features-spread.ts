import {
  activeVendorIncidents,
  correlatedVendorErrors,
  errorRises,
  flagChanges,
  latencyRises,
} from "./classifier-features.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";

/**
 * One failure under several services at once. Services that do not share a release do
 * not break in the same minutes by coincidence: what they share (a database, a gateway,
 * a certificate, DNS, the network) is failing under them. The spread is the telemetry's
 * (`impact_scope`: symptom alarms of several services going into ALARM at one onset, or
 * several Sentry projects' errors rising together), never the ticket's words.
 *
 * It is infrastructure only when nothing of ours or a vendor's explains it instead: a
 * release that correlates (one service's bad release also fails the services calling
 * it), a feature flag flipped before the onset (the services evaluate the same flag), or
 * failing calls that implicate a vendor, or an open incident of one (a vendor's outage
 * spreads across its callers the same way; the vendor rules weigh it).
 */
export function sharedFailureWithoutRelease(i: SignalIndex): TaggedSignal[] {
  const spread = i.of("impact_scope").filter((t) => t.signal.services.length >= 2);
  const symptoms = [...errorRises(i), ...latencyRises(i)];
  // "No release of ours" must be read, not assumed: the release specialist's control.
  const absent = i.of("deploy_absent");
  if (spread.length === 0 || symptoms.length === 0 || absent.length === 0) return [];
  const explainedOtherwise = [
    ...i.of("release_correlation"),
    ...flagChanges(i),
    ...correlatedVendorErrors(i),
    ...activeVendorIncidents(i),
  ];
  return explainedOtherwise.length > 0 ? [] : [...spread, ...symptoms, ...absent];
}
