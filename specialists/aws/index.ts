import { CHECK_RULES, type Check, EvidenceCollector } from "../shared/collector.ts";
import { deadlineSignal, runClock } from "../shared/deadline.ts";
import type { Specialist } from "../types.ts";
import { dominantRoute, LOOKBACK_MINUTES, RECENT_MINUTES } from "./analysis.ts";
import {
  type AwsReadings,
  type CheckContext,
  checkCapacityEvents,
  checkErrorLogs,
  checkErrorRate,
  checkQueue,
  checkTasks,
} from "./checks.ts";
import { DEFAULT_QUEUE_AGE_THRESHOLD_SECONDS, DEFAULT_SERVICE_CATALOG } from "./defaults.ts";
import { type ResolvedTargets, resolveTargets, type ServiceCatalog } from "./targets.ts";

/**
 * The aws specialist: current CloudWatch evidence for the ticket's service — the ALB 5xx
 * rate against the half hour before (`error_rate_rise`, or the negative control
 * `no_5xx_rise`), SQS queue age against its alarm threshold (`queue_saturation`), ECS
 * running against desired tasks (`task_health`), error lines in the service's log groups
 * (with their request ids), and, when capacity looks short, the ECS and scaling events
 * that say why. Which resources to read: see targets.ts. Read-only: it holds only a
 * CloudWatchReader.
 */

export interface AwsSpecialistOptions {
  /** Known AWS resources per service; defaults to {@link DEFAULT_SERVICE_CATALOG}. */
  services?: ServiceCatalog;
  /** Queue-age threshold when nothing states one. */
  defaultQueueThresholdSeconds?: number;
  timeoutMs?: number;
}

/** Confidence cost of the 5xx rate when the ticket is about HTTP failures. */
const MISSING_5XX_IMPACT = 15;

function describeTargets(t: ResolvedTargets): string {
  const parts = [
    t.loadBalancer ? `ALB ${t.loadBalancer}` : undefined,
    t.queues.length ? `queues ${t.queues.map((q) => q.name).join(", ")}` : undefined,
    t.ecs ? `ECS ${t.ecs.cluster}/${t.ecs.service}` : undefined,
    t.logGroups.length ? `logs ${t.logGroups.join(", ")}` : undefined,
  ].filter(Boolean);
  return parts.join("; ");
}

function hasTargets(t: ResolvedTargets): boolean {
  return (
    t.loadBalancer !== undefined ||
    t.ecs !== undefined ||
    t.queues.length > 0 ||
    t.logGroups.length > 0
  );
}

/** Running tasks are fewer than desired. */
const isCapacityShort = (readings: AwsReadings) =>
  readings.tasks !== undefined && readings.tasks.running < readings.tasks.desired;

/** A queue's oldest message is older than its alarm threshold. */
const isQueueSaturated = (readings: AwsReadings) =>
  readings.queues.some((q) => q.ageSeconds > q.threshold);

/** Turns the settled readings into typed signals. */
function emitSignals(ev: EvidenceCollector, readings: AwsReadings, service: string): void {
  if (readings.errorRate) {
    const { ref, reading } = readings.errorRate;
    if (reading.rising) {
      const route = readings.errorLogs.map((l) => dominantRoute(l.summary)).find(Boolean);
      ev.signal({
        source: ref,
        kind: "error_rate_rise",
        service,
        ...(route ? { path: route } : {}),
        from: reading.from,
        to: reading.to,
        windowMinutes: RECENT_MINUTES,
      });
    } else {
      ev.signal({ source: ref, kind: "no_5xx_rise", service, windowMinutes: LOOKBACK_MINUTES });
    }
  }
  for (const q of readings.queues) {
    ev.signal({
      source: q.ref,
      kind: "queue_saturation",
      queue: q.queue,
      ageSeconds: Math.round(q.ageSeconds * 10) / 10,
      threshold: q.threshold,
    });
  }
  if (readings.tasks) {
    const t = readings.tasks;
    ev.signal({
      source: t.ref,
      kind: "task_health",
      service: t.service,
      healthy: Math.max(0, t.running),
      desired: Math.max(0, t.desired),
    });
  }
}

function nextPivot(readings: AwsReadings): string | undefined {
  if (isCapacityShort(readings)) {
    return "cluster capacity: why ECS cannot place the missing tasks (instances, limits)";
  }
  if (isQueueSaturated(readings)) {
    return "consumer throughput of the saturated queue against its send rate";
  }
  if (readings.errorRate?.reading.rising) return "the exception behind the 5xx rise (Sentry)";
  return undefined;
}

export function createAwsSpecialist(options: AwsSpecialistOptions = {}): Specialist {
  const catalog = options.services ?? DEFAULT_SERVICE_CATALOG;
  const defaultThreshold =
    options.defaultQueueThresholdSeconds ?? DEFAULT_QUEUE_AGE_THRESHOLD_SECONDS;
  const timeoutMs = options.timeoutMs ?? 45_000;

  return {
    id: "aws",
    phase: "evidence",
    needs: ["cloudwatch"],
    timeoutMs,

    appliesTo(ticket, _tools, hints) {
      const targets = resolveTargets(ticket, hints, catalog);
      const alarm = ticket.snapshot.linked.awsRefs.length > 0 || targets.queues.length > 0;
      const required = alarm || targets.httpSymptom;
      if (!hasTargets(targets) && !alarm) {
        return {
          applies: false,
          required: false,
          reason: "no AWS resource is known for this ticket's service",
        };
      }
      const why = alarm
        ? "the ticket is a CloudWatch alarm or names a queue"
        : targets.httpSymptom
          ? "the ticket is about HTTP failures: the 5xx rate confirms or refutes them"
          : "the service runs on AWS";
      return { applies: true, required, reason: `${why} (${describeTargets(targets)})` };
    },

    question(ticket) {
      const service = ticket.service ?? "the ticket's service";
      return `What do CloudWatch metrics and logs show for ${service} now (5xx rate, queue age, task health, error logs) for ${ticket.snapshot.ticketKey}?`;
    },

    async run(input) {
      const clock = runClock(input.now);
      const signal = deadlineSignal(input);
      const ev = new EvidenceCollector({
        specialistId: "aws",
        question: input.question,
        at: input.now,
        deadlineMs: timeoutMs,
        rules: CHECK_RULES,
      });
      const cloudwatch = input.tools.cloudwatch;
      if (!cloudwatch) return ev.skipped("no CloudWatch reader: the aws connector is absent");
      const targets = resolveTargets(input.ticket, input.hints, catalog);
      if (!hasTargets(targets)) {
        return ev.skipped(
          `no AWS resource is known for ${targets.service ?? "this ticket"}: name the load balancer, queue, ECS service or log group in the ticket or a wiki recipe`,
        );
      }
      const ctx: CheckContext = { cloudwatch, ev, now: input.now, clock };
      const readings: AwsReadings = { queues: [], errorLogs: [], capacity: [] };
      const service =
        targets.service ?? targets.ecs?.service ?? targets.loadBalancer?.split("/")[1] ?? "unknown";

      const checks: Check[] = [];
      if (targets.loadBalancer) {
        const lb = targets.loadBalancer;
        checks.push({
          what: `5xx rate of ${lb}`,
          confidenceImpact: targets.httpSymptom ? MISSING_5XX_IMPACT : 5,
          run: () => checkErrorRate(ctx, readings, lb),
        });
      } else {
        ev.gap({
          what: `5xx rate not checked: no load balancer is known for ${service}`,
          confidenceImpact: targets.httpSymptom ? MISSING_5XX_IMPACT : 0,
        });
      }
      for (const q of targets.queues) {
        const threshold = q.thresholdSeconds ?? defaultThreshold;
        checks.push({
          what: `age of queue ${q.name}`,
          confidenceImpact: 20,
          run: () => checkQueue(ctx, readings, q.name, threshold),
        });
      }
      const ecs = targets.ecs;
      if (ecs) {
        checks.push({
          what: `task health of ${ecs.cluster}/${ecs.service}`,
          confidenceImpact: 10,
          run: () => checkTasks(ctx, readings, ecs),
        });
      }
      for (const group of targets.logGroups) {
        checks.push({
          what: `error logs of ${group}`,
          confidenceImpact: 5,
          run: () => checkErrorLogs(ctx, readings, group),
        });
      }
      await Promise.all(checks.map((check) => ev.check(check, signal)));

      // Pivot: when capacity looks short, read the events that say why.
      if ((isCapacityShort(readings) || isQueueSaturated(readings)) && !signal.aborted) {
        await Promise.all(
          targets.eventLogGroups.map((group) =>
            ev.check(
              {
                what: `ECS and scaling events in ${group}`,
                confidenceImpact: 0,
                run: () => checkCapacityEvents(ctx, readings, group),
              },
              signal,
            ),
          ),
        );
      }
      emitSignals(ev, readings, service);
      return ev.finish(signal, nextPivot(readings));
    },
  };
}

const aws: Specialist = createAwsSpecialist();
export default aws;
