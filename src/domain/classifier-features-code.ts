import {
  all,
  correlatedVendorErrors,
  dependencyRises,
  flatServerErrors,
  infraEventsAtOnset,
  longStandingExceptions,
  MAJORITY_SHARE,
  overlappingProviderIncidents,
  poisonMessages,
  saturatedDependencies,
  series,
  unless,
} from "./classifier-features.ts";
import type { SignalIndex } from "./classifier-index.ts";

/**
 * Features of defects that are not regressions, for the code rules: an old exception,
 * whether nothing else explains the symptom, and whether the failure is confined to one
 * path. Written over the general vocabulary only (classifier-features.ts).
 */

/**
 * A long-standing exception the code catches whose own error events rose now (its
 * issue's series, same source): catching it did not make the work succeed, since more
 * of it fails now (a job that reports each failed item and carries on, an old defect
 * back after weeks of silence). Handled is harmless only while its own series is not
 * moving.
 */
export const handledButRising = (i: SignalIndex) => {
  const rejections = clientRejections(i);
  return oldAndRising(i).filter((t) => t.signal.handled === true && !rejections.includes(t));
};
/** Long-standing exceptions whose own error events (their issue's series, same source) rose now. */
const oldAndRising = (i: SignalIndex) => {
  const rising = series(i, ["error_events"], ["rise"]);
  return longStandingExceptions(i).filter((t) =>
    rising.some((r) => r.signal.sourceRef === t.signal.sourceRef),
  );
};
/**
 * Handled exceptions whose requests were all answered with a client error (4xx), while no
 * release correlates: the service rejecting requests it should reject (bad input, a
 * business rule), not failing them. More of them means a client sends more bad requests
 * (a retry loop, a broken integration); the server behaves as designed. With a correlated
 * release they stay suspects: a release that rejects valid requests is a regression.
 */
export const clientRejections = (i: SignalIndex) =>
  i.of("release_correlation").length > 0
    ? []
    : i
        .of("new_exception")
        .filter(
          ({ signal: { handled, statusCodes = [] } }) =>
            handled === true &&
            statusCodes.length > 0 &&
            statusCodes.every((c) => c >= 400 && c < 500),
        );
/**
 * {@link clientRejections} that one caller sends most of ({@link MAJORITY_SHARE}+ of the
 * events): that caller's retry loop or broken integration. Rejections spread over many
 * callers are not excused: many clients do not start sending bad requests together by
 * chance (an auth or validation dependency failing answers everyone with a 4xx).
 */
export const oneCallerRejections = (i: SignalIndex) =>
  clientRejections(i).filter((t) => (t.signal.topCallerShare ?? 0) >= MAJORITY_SHARE);
/**
 * An exception first seen weeks ago that is unhandled, or handled but rising now: a
 * defect that predates the recent releases, whether its rate is flat or spikes on a
 * periodic condition.
 */
export const longStandingDefect = (i: SignalIndex) => {
  const runtime = runtimeSpikes(i);
  return [
    ...longStandingExceptions(i).filter((t) => t.signal.handled !== true),
    ...handledButRising(i),
  ].filter((t) => !runtime.includes(t));
};
/**
 * A client runtime carries "most" of an issue's events at this share. Above what one
 * browser version's share of real traffic reaches (the newest stable of the most used
 * browser is about half of it), so a share like this says that runtime is the one failing.
 */
export const RUNTIME_CONCENTRATION = 0.8;
/**
 * Long-standing exceptions whose own events rose now, {@link RUNTIME_CONCENTRATION}+ of
 * them from one client runtime (a browser version), with no correlated release and the
 * 5xx rate read flat: a browser update changed what the old code meets in the client, not
 * a change of ours, and the server answers as before. Not a long-standing defect to fix
 * on the spot; whether it hurts users is what the noise rules weigh.
 */
export const runtimeSpikes = (i: SignalIndex) => {
  if (i.of("release_correlation").length > 0 || flatServerErrors(i).length === 0) return [];
  return oldAndRising(i).filter((t) => (t.signal.topRuntime?.share ?? 0) >= RUNTIME_CONCENTRATION);
};
/**
 * A long-standing defect whose own error events rose now (its issue's series, same
 * source), while nothing else explains a spike: no dependency saturated or rising, no
 * infrastructure event at the onset, no provider incident, no implicated vendor.
 */
export const longStandingDefectSpiking = (i: SignalIndex) => {
  const defects = longStandingDefect(i);
  const own = series(i, ["error_events"], ["rise"]).filter((t) =>
    defects.some((d) => d.signal.sourceRef === t.signal.sourceRef),
  );
  return unless(
    [
      ...saturatedDependencies(i),
      ...dependencyRises(i),
      ...infraEventsAtOnset(i),
      ...overlappingProviderIncidents(i),
      ...correlatedVendorErrors(i),
    ],
    all(defects, own),
  );
};
/**
 * A long-standing defect while nothing else explains the symptom: no dependency saturated
 * or rising, no infrastructure event at the onset, no provider incident, no implicated
 * vendor. An old exception that fires all the time is also in the logs of every other
 * incident; it is the cause only when nothing else moved.
 */
export const longStandingDefectUnexplained = (i: SignalIndex) =>
  unless(
    [
      ...saturatedDependencies(i),
      ...dependencyRises(i),
      ...infraEventsAtOnset(i),
      ...overlappingProviderIncidents(i),
      ...correlatedVendorErrors(i),
    ],
    longStandingDefect(i),
  );
/**
 * Exceptions confined to one path: two or more on the same path, one that is new (first
 * seen within {@link LONG_STANDING_DAYS} days: a fresh failure on one path), or an old one
 * with a contrast (an impact scope of one route, the whole service's 5xx rate read flat,
 * or the same messages failing again and again on the consumer's path). An old exception
 * alone is on "one path" by construction, which says nothing: its age would otherwise
 * carry it to the gate's floor by itself.
 */
export const oneFailingPath = (i: SignalIndex) => {
  const exceptions = i.of("new_exception");
  const paths = new Set(exceptions.map((t) => t.signal.path));
  if (paths.size !== 1) return [];
  if (exceptions.length >= 2) return exceptions;
  if (longStandingExceptions(i).length === 0) return exceptions;
  const contrast = [
    ...i.of("impact_scope").filter((t) => t.signal.routes === "one"),
    ...flatServerErrors(i),
    ...poisonMessages(i),
  ];
  return all(exceptions, contrast);
};
