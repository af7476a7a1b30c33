import { ROLLOUT_SLACK_MINUTES } from "./classifier-conflicts.ts";
import {
  errorRises,
  latencyRises,
  longStandingExceptions,
  onsetOf,
  serviceOf,
  TIGHT_RELEASE_MINUTES,
  zonalSymptoms,
} from "./classifier-features.ts";
import { scaledOutUnderLoad } from "./classifier-features-capacity.ts";
import { oneCallerRejections } from "./classifier-features-code.ts";
import { releaseNeedsMissingConfig } from "./classifier-features-config.ts";
import { sharedFailureWithoutRelease } from "./classifier-features-spread.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";
import { scheduledAlarmWithoutImpact } from "./classifier-rules-recurrence.ts";
import type { EvidenceRef, IncidentClass } from "./classifier-schema.ts";
import { noImpactSettlingTest, noImpactStatement } from "./classifier-text-no-impact.ts";
import { shiftText } from "./signal-reference-edit.ts";
import type { Signal, SignalOf } from "./signals.ts";

/**
 * The classifier's words: one-line summaries of signals, the statement of each
 * hypothesis and the test that would settle it. Pure, built only from signals, so the
 * same evidence always reads the same.
 */
function describeSignal(s: Signal): string {
  switch (s.kind) {
    case "error_rate_rise":
      return `5xx on ${s.service}${s.path ? ` ${s.path}` : ""} rose ${s.from}→${s.to}/min over ${s.windowMinutes} min`;
    case "no_5xx_rise":
      return `no 5xx rise on ${s.service} over ${s.windowMinutes} min`;
    case "new_exception":
      return `${s.handled ? "handled" : "new"} exception ${s.issueId} on ${s.path} (${s.culprit}), first seen ${s.firstSeen}`;
    case "release_correlation":
      return `release ${s.release} deployed ${s.deployedAt}, symptom ${s.firstSeenAfterDeployMinutes} min later${s.diffTouchesStack === undefined ? "" : s.diffTouchesStack ? "; its diff touches the exception's stack" : "; its diff does not touch the exception's stack"}`;
    case "deploy_absent":
      return `no deploy${s.service ? ` of ${s.service}` : ""} in ${s.windowHours} h`;
    case "client_aborts":
      return `${s.count} client aborts (${s.statusCodes.join("/")})${s.path ? ` on ${s.path}` : ""}`;
    case "queue_saturation":
      return `queue ${s.queue} oldest message ${s.ageSeconds}s (threshold ${s.threshold}s)`;
    case "task_health":
      return `${s.service}: ${s.healthy}/${s.desired} healthy tasks${s.max === undefined ? "" : `, ceiling ${s.max}`}`;
    case "vendor_incident":
      return `${s.vendor} status incident (${s.status}${s.impact ? `, ${s.impact}` : ""})`;
    case "vendor_operational":
      return `${s.vendor} status operational`;
    case "vendor_error_correlation": {
      const control = [
        s.otherHostsHealthy ? `the same client reached ${s.otherHostsHealthy} other host(s)` : "",
        s.sameHostAnswered ? `${s.sameHostAnswered} other call(s) to ${s.vendor} answered` : "",
      ].filter(Boolean);
      return `${s.correlatedRequests} failing requests carry ${s.vendor}'s marks (hosts, error types or correlation IDs)${control.length ? `; meanwhile ${control.join(" and ")}` : ""}`;
    }
    case "stale_derived_rows":
      return `${s.staleCount}/${s.totalCount} derived rows of ${s.table} stale`;
    case "derived_rows_consistent":
      return `derived rows of ${s.table} consistent`;
    case "count_mismatch":
      return `${s.subject}: shows ${s.displayed}, source of truth ${s.computed}`;
    case "data_precondition":
      return `${s.rowCount} rows of ${s.table} where ${s.condition}`;
    case "reference_edit":
      return `${s.table} row "${s.named}" edited ${s.editedAt}; ${s.referringTable} rows since: ${shiftText(s.shifted)}`;
    case "reproduction":
      return `${s.path} ${s.reproduced ? "reproduced" : "not reproduced"}${s.release ? ` on ${s.release}` : ""}`;
    case "user_impact":
      return `${s.affectedUsers} users affected (${s.scope})`;
    case "series_change": {
      const where = [s.service, s.scope?.resource, s.scope?.route, s.scope?.zones?.join("/")]
        .filter(Boolean)
        .join(" ");
      const unit = s.unit ? ` ${s.unit}` : "";
      return s.direction === "flat"
        ? `${s.measure}${where ? ` on ${where}` : ""} flat at ${s.before}${unit}`
        : `${s.measure}${where ? ` on ${where}` : ""} ${s.direction === "rise" ? "rose" : "dropped"} ${s.before}→${s.after}${unit}${s.onset ? ` from ${s.onset}` : ""}`;
    }
    case "dependency_saturation":
      return `${s.dependency} ${s.resource}: ${s.measure} at ${s.value}${s.limit === undefined ? "" : ` of ${s.limit}`}`;
    case "provider_incident":
      return `${s.provider} incident (${s.status})${s.region ? ` in ${s.region}` : ""}${s.zones?.length ? ` ${s.zones.join("/")}` : ""}${s.overlapsUs ? ", where our symptom is" : ", not where our symptom is"}`;
    case "traffic_origin":
      return `${Math.round(s.share * 100)}% of ${s.requests} failing requests from ${s.origin.replace("_", " ")}`;
    case "impact_scope":
      return `symptom on ${s.services.length} service(s)${s.zones.length ? `, ${s.zones.length} zone(s)` : ""}${s.routes ? `, ${s.routes} route(s)` : ""}${s.errorShare === undefined ? "" : `, ${Math.round(s.errorShare * 100)}% of requests failing`}`;
    case "change_event":
      return `${s.change} change ${s.ref} at ${s.at}${s.minutesBeforeOnset === undefined ? "" : ` (${s.minutesBeforeOnset} min before onset)`}${s.state ? `, ${s.state}${s.supersededAt ? `, superseded ${s.supersededAt}` : ""}` : ""}`;
    case "release_attribution":
      return `the error tracker tags the failing events with release ${s.release} (seen ${s.seenAt})`;
    case "crash_loop":
      return `${s.restarts} restarts (${s.reason.replaceAll("_", " ")})${s.service ? ` of ${s.service}` : ""}`;
    case "reported_cause":
      return `the ticket blames ${s.release ? `release ${s.release}` : "a release"}: "${s.statement}"`;
    case "poison_message":
      return `queue ${s.queue}: ${s.repeatedReceives} repeated receives${s.dlqDepth === undefined ? "" : `, ${s.dlqDepth} in the dead-letter queue`}`;
    case "recurring_alarm":
      return `alarm ${s.alarm} fired at ${s.firedAt}, and at the same time of day on ${s.priorFirings} earlier day(s) of the ${s.daysRead} read (${s.selfCleared} cleared by themselves)`;
    default: {
      const never: never = s;
      return never;
    }
  }
}

export function toEvidenceRef(t: TaggedSignal): EvidenceRef {
  return {
    specialistId: t.specialistId,
    signalKind: t.signal.kind,
    sourceRef: t.signal.sourceRef,
    summary: describeSignal(t.signal),
  };
}

/**
 * Which infrastructure story the evidence tells, most specific first: a provider incident
 * over our resources, a saturated dependency, a scale-out absorbing load, a configuration
 * change just before the onset (a secret updated, the same image redeployed), else capacity.
 * The statement, its settling test and the first action (triage-decision.ts) all follow
 * it, so the thread never says one thing and asks for another.
 */
export type InfraKind =
  | "provider_incident"
  | "zonal"
  | "dependency_saturated"
  | "scale_out"
  | "operational_change"
  | "shared_dependency"
  | "capacity";

function saturatedDependency(i: SignalIndex) {
  return i.of("dependency_saturation").find((t) => t.signal.dependency !== "vendor")?.signal;
}

export function infraKind(i: SignalIndex): InfraKind {
  if (i.of("provider_incident").some((t) => t.signal.overlapsUs)) return "provider_incident";
  if (zonalSymptoms(i).length > 0) return "zonal";
  if (saturatedDependency(i)) return "dependency_saturated";
  if (scaledOutUnderLoad(i).length > 0) return "scale_out";
  if (configChangesAtOnset(i).length > 0) return "operational_change";
  if (sharedFailureWithoutRelease(i).length > 0) return "shared_dependency";
  return "capacity";
}

/**
 * Configuration changes (not releases) within {@link TIGHT_RELEASE_MINUTES} before the
 * onset, newest first: what an operator changed as the symptom began. Tasks that lost
 * capacity after one are failing on the change, not short of room.
 */
function configChangesAtOnset(i: SignalIndex) {
  return i
    .of("change_event")
    .map((t) => t.signal)
    .filter(
      (s) =>
        s.change === "config" &&
        s.minutesBeforeOnset !== undefined &&
        s.minutesBeforeOnset >= 0 &&
        s.minutesBeforeOnset <= TIGHT_RELEASE_MINUTES,
    )
    .sort((a, b) => a.minutesBeforeOnset! - b.minutesBeforeOnset!);
}

const INFRA_SETTLING_TESTS: Record<InfraKind, string> = {
  provider_incident:
    "Compare the symptom per zone with the provider incident's zones and times: it is confined to them and ends when they recover",
  zonal:
    "Compare the symptom per zone: it stays confined to the zone(s) where it rose, and stops when traffic is drained from them",
  dependency_saturated:
    "Check that the saturated dependency's load rose before the symptom and that the symptom tracks it over the window, with no deploy in between",
  scale_out:
    "Watch the new tasks reach the desired count and pass their health checks, and the alarmed measure fall back under its threshold while requests stay high, with errors and latency flat",
  operational_change:
    "Compare the failing tasks with the last healthy ones (task definition revision, secret or parameter version): only those started after the change fail, and reverting it stops the failures",
  shared_dependency:
    "List what the failing services share (database, gateway, certificate, DNS, network path) and check which of them changed or failed at the onset; the services recover together when it does",
  capacity:
    "Check that queue age tracks healthy task count and the scaling ceiling over the window, with no deploy in between",
};

const MINUTE = 60_000;

/**
 * No class has net support: say what the evidence does show. Symptoms on several
 * services at once point at something they share; the one whose symptom began first, by
 * more than the onsets' uncertainty, is where to look first.
 */
function unknownStatement(i: SignalIndex): string {
  const fallback = "No rule fired on the evidence gathered: the root cause is unknown";
  const symptoms = [...errorRises(i), ...latencyRises(i)].filter((t) => serviceOf(t));
  const services = [...new Set(symptoms.map((t) => serviceOf(t)!))];
  if (services.length < 2) return fallback;
  const named = `${services.slice(0, 4).join(", ")}${services.length > 4 ? ` and ${services.length - 4} more` : ""}`;
  const dated = symptoms
    .map((t) => ({ service: serviceOf(t)!, onset: onsetOf(t) }))
    .filter((d) => d.onset !== undefined)
    .sort((a, b) => a.onset!.at - b.onset!.at);
  const first = dated[0];
  const leads =
    first !== undefined &&
    dated.every(
      (d) =>
        d.service === first.service ||
        d.onset!.at - first.onset!.at >
          Math.max(d.onset!.uncertainty, first.onset!.uncertainty) * MINUTE,
    );
  const where = leads
    ? `${first.service}'s began first (${new Date(first.onset!.at).toISOString().slice(11, 16)} UTC), the first place to look`
    : "they began together: look first at a dependency or platform they share";
  return `No single cause found: symptoms on ${services.length} services (${named}); ${where}`;
}

/**
 * The exception a release introduced: the earliest first seen after its rollout began
 * (within the rollout slack), so an older issue on the same service is not named as its
 * culprit.
 */
function introducedBy(release: SignalOf<"release_correlation"> | undefined, i: SignalIndex) {
  if (!release) return undefined;
  const began =
    Date.parse(release.deployStartedAt ?? release.deployedAt) - ROLLOUT_SLACK_MINUTES * MINUTE;
  return i
    .of("new_exception")
    .filter((t) => Date.parse(t.signal.firstSeen) >= began)
    .sort((a, b) => Date.parse(a.signal.firstSeen) - Date.parse(b.signal.firstSeen))[0];
}

/**
 * A release whose only failure is a guard saying a required configuration value is
 * missing: the release is the cause, the remedy is the value (classifier-features-config.ts).
 */
function missingConfigStatement(i: SignalIndex): string {
  const matched = releaseNeedsMissingConfig(i).map((t) => t.signal);
  const ex = matched.find((s) => s.kind === "new_exception");
  const release = matched.find((s) => s.kind === "release_correlation")?.release;
  const where = ex
    ? `: ${ex.issueId} on ${ex.path} says a required configuration value is missing`
    : "";
  return `${release ? `Release ${release}` : "The release"} needs configuration its environment lacks${where} (its guard fails as written). Set the value where the service's environment is defined, or roll back${release ? ` ${release}` : ""}: a human's change, not a code change`;
}

/** The one-line hypothesis for a class, made as specific as the signals allow. */
export function hypothesisStatement(
  cls: IncidentClass,
  i: SignalIndex,
  remedy: { codeChange: boolean },
): string {
  const release = i.of("release_correlation")[0]?.signal;
  switch (cls) {
    case "code_defect": {
      const introduced = introducedBy(release, i)?.signal;
      const ex = introduced ?? i.of("new_exception")[0]?.signal;
      const where = ex ? ` on ${ex.path} (${ex.issueId}: ${ex.culprit})` : "";
      const poison = i
        .of("poison_message")
        .find((t) => t.signal.repeatedReceives > 0 || (t.signal.dlqDepth ?? 0) > 0)?.signal;
      const flag = i.of("change_event").find((t) => t.signal.change === "flag")?.signal;
      const old = longStandingExceptions(i).find((t) => t.signal.handled !== true)?.signal;
      if (!remedy.codeChange) return missingConfigStatement(i);
      if (release && introduced) return `Release ${release.release} introduced a defect${where}`;
      if (old) {
        return `A long-standing defect on ${old.path} (${old.issueId}: ${old.culprit}), first seen ${old.firstSeen}${release ? `, predating release ${release.release}` : ""}: fix the code; no recent release introduced it`;
      }
      if (release) return `Release ${release.release} introduced a defect${where}`;
      if (poison)
        return `The consumer of ${poison.queue} cannot process some messages${where}: they are redelivered and dead-lettered`;
      if (flag) return `Flag change ${flag.ref} enabled a code path that fails${where}`;
      return `A code defect${where} causes the failures`;
    }
    case "data_defect": {
      const stale = i.of("stale_derived_rows")[0]?.signal;
      const edit = i.of("reference_edit")[0]?.signal;
      if (edit && !stale) {
        return `A ${edit.table} row the ticket names ("${edit.named}") was edited at ${edit.editedAt} (${edit.datedBy === "audit_trail" ? "its audit trail" : "its update time"}); the ${edit.rowsSince} ${edit.referringTable} rows referring to it since carry ${shiftText(edit.shifted)} while those of its other rows kept theirs: the code follows the edited data; needs a data correction by the data's owners (the row, and a decision on the rows written since)`;
      }
      const rows = stale
        ? ` in ${stale.table} (${stale.staleCount}/${stale.totalCount} stale)`
        : "";
      const fix = remedy.codeChange
        ? `; needs a data correction and a code fix${release ? ` to the write path changed in ${release.release}` : ""}`
        : "; needs a data correction";
      if (stale?.discrepancy === "missing_value") {
        const when = stale.oldestStaleAt
          ? `, written ${stale.oldestStaleAt} to ${stale.newestStaleAt}${release ? ` (from release ${release.release})` : ""}`
          : "";
        const whole = stale.writePathWhole
          ? "; rows written since all hold it (the write path is whole again)"
          : "";
        return `Rows${rows} lack a value nearly all their peers hold${when}${whole}${fix}`;
      }
      return `Derived rows${rows} disagree with their source of truth${fix}`;
    }
    case "infra": {
      const kind = infraKind(i);
      if (kind === "provider_incident") {
        const p = i.of("provider_incident").find((t) => t.signal.overlapsUs)!.signal;
        const where = [p.region, p.zones?.join("/"), p.component].filter(Boolean).join(" ");
        return `${p.provider} incident${where ? ` in ${where}` : ""} under our service: infrastructure, not a regression`;
      }
      if (kind === "zonal") {
        const zones = [
          ...new Set(
            zonalSymptoms(i)
              .filter((t) => t.signal.direction === "rise")
              .flatMap((t) => t.signal.scope?.zones ?? []),
          ),
        ];
        return `A fault confined to ${zones.length === 1 ? "zone" : "zones"} ${zones.join(", ")} (the symptom rose there and stayed flat in the others): that zone's infrastructure or a zonal dependency (subnet, NAT, hosts) is failing, not a regression`;
      }
      if (kind === "dependency_saturated") {
        const d = saturatedDependency(i)!;
        return `${d.dependency} ${d.resource} saturated (${d.measure} at ${d.value}${d.limit === undefined ? "" : ` of ${d.limit}`}): infrastructure, not a regression`;
      }
      const q = i.of("queue_saturation")[0]?.signal;
      const t = i.of("task_health")[0]?.signal;
      if (kind === "scale_out") {
        return `Load rose and autoscaling is adding tasks${t ? ` (${t.service} at ${t.healthy}/${t.desired})` : ""} while errors and latency held: capacity working as designed, not a regression`;
      }
      if (kind === "operational_change") {
        const changes = configChangesAtOnset(i)
          .slice(0, 3)
          .map((c) => `${c.ref.replace(":", " on ")} ${c.minutesBeforeOnset} min before`);
        const crash = i.of("crash_loop")[0]?.signal;
        const effect = [
          crash
            ? `${crash.restarts} task restarts (${crash.reason.replaceAll("_", " ")})`
            : undefined,
          t ? `${t.service} at ${t.healthy}/${t.desired} healthy tasks` : undefined,
        ].filter((p) => p !== undefined);
        return `An operational change at the onset (${changes.join("; ")})${effect.length ? `, then ${effect.join(", ")}` : ""}: revert or fix the change, not a code defect and not a capacity shortfall`;
      }
      if (kind === "shared_dependency") {
        const spread = sharedFailureWithoutRelease(i).find((x) => x.signal.kind === "impact_scope")
          ?.signal as SignalOf<"impact_scope"> | undefined;
        const services = spread ? ` (${spread.services.join(", ")})` : "";
        return `Several services failing together from one onset${services}, with no release, flag or vendor behind it: a dependency they share is failing (database, gateway, certificate, DNS, network), not a regression`;
      }
      const parts = [
        q ? `queue ${q.queue} at ${q.ageSeconds}s age (threshold ${q.threshold}s)` : undefined,
        t
          ? `${t.service} at ${t.healthy}/${t.desired} healthy tasks${t.max === undefined ? "" : ` (ceiling ${t.max})`}`
          : undefined,
      ].filter((p) => p !== undefined);
      return `Capacity exhaustion, not a regression${parts.length ? `: ${parts.join(", ")}` : ""}`;
    }
    case "vendor": {
      const v = i.of("vendor_incident")[0]?.signal ?? i.of("vendor_error_correlation")[0]?.signal;
      return `${v ? v.vendor : "A vendor"} is failing on its side; our code is not the cause`;
    }
    case "noise": {
      const quiet = noImpactStatement(i);
      if (quiet && i.of("client_aborts").length === 0) return quiet;
      const scheduled = scheduledAlarmWithoutImpact(i).find(
        (t) => t.signal.kind === "recurring_alarm",
      )?.signal as SignalOf<"recurring_alarm"> | undefined;
      if (scheduled && i.of("client_aborts").length === 0) {
        const longest =
          scheduled.longestEpisodeMinutes === undefined
            ? ""
            : ` (within ${scheduled.longestEpisodeMinutes} min)`;
        return `Alarm ${scheduled.alarm} fired at the same time of day on ${scheduled.priorFirings} earlier days of the last ${scheduled.daysRead} and cleared by itself${longest} each time, while the 5xx rate and latency stay flat: a scheduled load crossing a threshold set too tight. Noise: tune the alarm (threshold, evaluation periods) or schedule it out of that window, nothing to fix`;
      }
      const o = i
        .of("traffic_origin")
        .filter((t) => t.signal.origin !== "users" && t.signal.origin !== "internal")
        .sort((x, y) => y.signal.share - x.signal.share)[0]?.signal;
      if (o && i.of("client_aborts").length === 0) {
        return `Failing requests come mostly from ${o.origin.replace("_", " ")} (${Math.round(o.share * 100)}%) without a 5xx rise or deploy correlation: noise, nothing to fix`;
      }
      const handled = i.of("new_exception").filter((t) => t.signal.handled === true);
      if (handled.length > 0 && i.of("client_aborts").length === 0) {
        const rejected = oneCallerRejections(i)[0]?.signal;
        if (rejected) {
          return `Handled exception ${rejected.issueId} on ${rejected.path} (first seen ${rejected.firstSeen}) is answered with ${[...new Set(rejected.statusCodes)].join("/")} only, ${Math.round((rejected.topCallerShare ?? 0) * 100)}% of them from one caller: the service rejects requests it should reject and the 5xx rate did not rise; that caller sends more bad requests (tell it or limit it): noise, nothing to fix in our code`;
        }
        const ex = handled[0]!.signal;
        return `Handled exception ${ex.issueId} on ${ex.path} (first seen ${ex.firstSeen}): the code catches it and recovers, its rate is not rising and the 5xx rate did not rise: noise, nothing to fix now`;
      }
      const a = i.of("client_aborts")[0]?.signal;
      const what = a ? `${a.count} client aborts${a.path ? ` on ${a.path}` : ""}` : "Client aborts";
      return `${what} without a 5xx rise or deploy correlation: noise, nothing to fix`;
    }
    case "unknown":
      return unknownStatement(i);
    default: {
      const never: never = cls;
      return never;
    }
  }
}

/** The check that would confirm or refute a hypothesis; read-only by construction. */
export function settlingTest(cls: IncidentClass, i: SignalIndex): string {
  const release = i.of("release_correlation")[0]?.signal;
  switch (cls) {
    case "code_defect": {
      if (releaseNeedsMissingConfig(i).length > 0) {
        return `Compare the environment the failing tasks run with (task definition, secrets, parameters) with the values ${release ? release.release : "the release"} reads: the required value is absent there, and the path answers once it is set (or on the release before it)`;
      }
      const ex = i.of("new_exception")[0]?.signal;
      return `Reproduce ${ex ? ex.path : "the failing path"} with the triggering input on ${release ? release.release : "the current release"} and on the release before it: it fails only on the former`;
    }
    case "data_defect": {
      const stale = i.of("stale_derived_rows")[0]?.signal;
      const edit = i.of("reference_edit")[0]?.signal;
      if (edit && !stale) {
        return `Compare the ${edit.referringTable} rows referring to the edited ${edit.table} row created before and after ${edit.editedAt} with those of its other rows: the value changes at the edit, for that row only`;
      }
      return `Recompute the derived value of a sample of ${stale ? stale.table : "the derived"} rows with SELECTs over the source tables and compare with the stored value`;
    }
    case "infra":
      return INFRA_SETTLING_TESTS[infraKind(i)];
    case "vendor":
      return "Match failing request times and correlation IDs against the vendor's incident window: failures stop when the vendor recovers";
    case "noise":
      if (noImpactSettlingTest(i) && i.of("client_aborts").length === 0) {
        return noImpactSettlingTest(i)!;
      }
      if (scheduledAlarmWithoutImpact(i).length > 0 && i.of("client_aborts").length === 0) {
        return "Read the alarm's history over the past weeks and the 5xx rate and latency over each of its episodes: it fires and clears in the same window every day and neither moves";
      }
      return "Compare 5xx rate and Sentry error events over the abort burst with the previous 7 days: neither rises";
    case "unknown":
      return "Gather the evidence named in the gaps and classify again";
    default: {
      const never: never = cls;
      return never;
    }
  }
}
