import { type AppError, asAppError, ErrorCode } from "../../src/domain/errors.ts";
import type { Signal } from "../../src/domain/signals.ts";
import {
  type CorrelationId,
  type EvidenceGap,
  type EvidenceSource,
  type Finding,
  type RawSpecialistOutput,
  type SourceKind,
  SPECIALIST_OUTPUT_SCHEMA_VERSION,
} from "../../src/domain/specialist-output.ts";
import { DeadlineReached, untilAborted } from "./deadline.ts";

/**
 * Collects what one specialist run saw (sources, findings, signals, gaps, correlation
 * IDs) and turns it into a RawSpecialistOutput with the status the run ended in. What was
 * gathered before a failure or the deadline is kept; nothing here throws for an upstream
 * failure (a failure is an output: DESIGN, Evidence).
 *
 * Every method takes a named object, and findings and signals cite a {@link SourceRef},
 * which only {@link EvidenceCollector.source} returns: a fact passed where its source
 * belongs does not compile.
 *
 * Two ways to end a run:
 * - check-based specialists (aws, db, support, vendor) run independent reads through
 *   {@link EvidenceCollector.check} and end with {@link EvidenceCollector.finish};
 * - read-based ones (sentry, release) read one chain through {@link settle}, choose
 *   `returned` or `failed` themselves, and end a run that threw with
 *   {@link EvidenceCollector.thrown}.
 */

declare const sourceRefBrand: unique symbol;
/** A source's ref, as {@link EvidenceCollector.source} registered it. */
export type SourceRef = string & { readonly [sourceRefBrand]: true };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A signal with the source it came from. */
export type SignalInput = DistributiveOmit<Signal, "sourceRef"> & { source: SourceRef };

/**
 * How a run's confidence is computed. One formula for every specialist:
 *
 *   confidence = base − Σ gap impacts, clamped to 0–100 and rounded, where base is
 *   `withSignal` if the run drew a typed signal, `withoutSignal` if it cited sources but
 *   drew no signal, `withoutSource` if it cited none;
 *   timed out: min(confidence × `timedOutFactor`, `timedOutCeiling`).
 *
 * `failed` and `skipped` are always 0. The two families keep the parameters they had
 * before their collectors were merged (see {@link CHECK_RULES}, {@link READ_RULES}).
 */
export interface ConfidenceRules {
  withSignal: number;
  withoutSignal: number;
  withoutSource: number;
  timedOutFactor: number;
  timedOutCeiling: number;
}

/**
 * Check-based specialists (aws, db, support, vendor). Each check states what it read as
 * a typed signal, negative controls included (`no_5xx_rise`, `derived_rows_consistent`,
 * `vendor_operational`), so a run that drew none saw only descriptive findings (no
 * datapoints, a degraded page without an incident) and starts lower, and a run that cited
 * no source saw nothing. The checks are independent and run side by side, so a run
 * stopped at its deadline keeps part of what it meant to read: half the confidence.
 */
export const CHECK_RULES: ConfidenceRules = {
  withSignal: 85,
  withoutSignal: 60,
  withoutSource: 0,
  timedOutFactor: 0.5,
  timedOutCeiling: 100,
};

/**
 * Read-based specialists (sentry, release). They follow one chain of reads from one
 * subject (the linked issue, the environment's deploys) and price every missing link as
 * a gap of its own; a run without a signal still states its conclusion as a finding (a
 * recurring issue, deploys that did not start the symptom), so the base is flat. A chain
 * stopped at its deadline lacks its conclusion, so it keeps at most 30 points.
 */
export const READ_RULES: ConfidenceRules = {
  withSignal: 85,
  withoutSignal: 85,
  withoutSource: 85,
  timedOutFactor: 1,
  timedOutCeiling: 30,
};

export interface CollectorOptions {
  specialistId: string;
  question: string;
  /** The world clock at the run's start: the default fetch and observation time. */
  at: Date;
  /** The run's time budget, reported by a timed-out output. */
  deadlineMs: number;
  rules: ConfidenceRules;
}

/** One read a check-based run makes, for {@link EvidenceCollector.check}. */
export interface Check {
  /** What the read looks at, for the gap its failure leaves ("5xx rate of <load balancer>"). */
  what: string;
  /** Confidence points its failure costs. */
  confidenceImpact: number;
  run: () => Promise<void>;
}

const iso = (at: Date | string) => (typeof at === "string" ? at : at.toISOString());
const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

/** One run's evidence as it is gathered; see the module comment. */
export class EvidenceCollector {
  readonly specialistId: string;
  readonly question: string;
  readonly #at: string;
  readonly #deadlineMs: number;
  readonly #rules: ConfidenceRules;
  readonly #sources = new Map<string, EvidenceSource>();
  readonly #findings: Finding[] = [];
  readonly #signals: Signal[] = [];
  readonly #gaps: EvidenceGap[] = [];
  readonly #servicesRead = new Set<string>();
  readonly #correlationIds = new Map<string, CorrelationId>();
  #firstFailure: AppError | undefined;
  #checksSucceeded = 0;

  constructor(options: CollectorOptions) {
    this.specialistId = options.specialistId;
    this.question = options.question;
    this.#at = options.at.toISOString();
    this.#deadlineMs = options.deadlineMs;
    this.#rules = options.rules;
  }

  /** Registers a source once (fetched at the run's start by default) and returns its ref. */
  source(input: { kind: SourceKind; ref: string; fetchedAt?: Date | string }): SourceRef {
    if (!this.#sources.has(input.ref)) {
      this.#sources.set(input.ref, {
        kind: input.kind,
        ref: input.ref,
        fetchedAt: iso(input.fetchedAt ?? this.#at),
      });
    }
    return input.ref as SourceRef;
  }

  /** A fact read from `source`, as of `observedAt` (the run's start by default). */
  finding(input: { fact: string; source: SourceRef; observedAt?: Date | string }): void {
    this.#findings.push({
      fact: input.fact,
      sourceRef: input.source,
      observedAt: iso(input.observedAt ?? this.#at),
    });
  }

  /** A typed signal, tied to the source it came from. */
  signal(input: SignalInput): void {
    const { source, ...signal } = input;
    this.#signals.push({ ...signal, sourceRef: source } as Signal);
  }

  /** Something the run could not see, costing `confidenceImpact` points (clamped to 0–100). */
  gap(input: { what: string; confidenceImpact: number }): void {
    this.#gaps.push({ what: input.what, confidenceImpact: clamp(input.confidenceImpact) });
  }

  /**
   * On a run whose service is unresolved, the specialist chose `service`'s declared
   * resources (its data checks, its project): that service joins the run's policy scope,
   * so its kill switch and stricter rules apply.
   */
  readService(service: string): void {
    this.#servicesRead.add(service);
  }

  /** A correlation ID for other specialists to pivot on; listed once, empty values ignored. */
  correlate(input: CorrelationId): void {
    const key = `${input.kind}:${input.value}`;
    if (input.value.length > 0 && !this.#correlationIds.has(key)) {
      this.#correlationIds.set(key, { kind: input.kind, value: input.value });
    }
  }

  /** The signals recorded so far. */
  get signals(): readonly Signal[] {
    return this.#signals;
  }

  /** The findings recorded so far. */
  get findings(): readonly Finding[] {
    return this.#findings;
  }

  /**
   * Runs one check under the deadline: success counts towards a `returned` status, an
   * upstream failure becomes a gap costing `confidenceImpact` (and is remembered for the
   * `failed` status), the deadline stops it quietly. Never throws.
   */
  async check(check: Check, signal: AbortSignal): Promise<void> {
    try {
      await untilAborted(check.run(), signal);
      this.#checksSucceeded += 1;
    } catch (error) {
      if (error instanceof DeadlineReached || signal.aborted) return;
      const appError = asAppError(error, ErrorCode.UpstreamUnavailable);
      this.#firstFailure ??= appError;
      this.gap({
        what: `${check.what} unavailable (${appError.code}): ${appError.message}`,
        confidenceImpact: check.confidenceImpact,
      });
    }
  }

  /** What the run saw, less what it could not see; see {@link ConfidenceRules}. */
  confidence(): number {
    const rules = this.#rules;
    const base =
      this.#sources.size === 0
        ? rules.withoutSource
        : this.#signals.length > 0
          ? rules.withSignal
          : rules.withoutSignal;
    return clamp(base - this.#gaps.reduce((sum, g) => sum + g.confidenceImpact, 0));
  }

  #common(confidence: number): Omit<RawSpecialistOutput, "status"> {
    return {
      schemaVersion: SPECIALIST_OUTPUT_SCHEMA_VERSION,
      specialistId: this.specialistId,
      question: this.question,
      sources: [...this.#sources.values()],
      findings: [...this.#findings],
      correlationIds: [...this.#correlationIds.values()],
      signals: [...this.#signals],
      confidence: clamp(confidence),
      gaps: [...this.#gaps],
      ...(this.#servicesRead.size > 0 ? { servicesRead: [...this.#servicesRead] } : {}),
    };
  }

  /** The run completed: its confidence, and where to look next if anywhere. */
  returned(nextPivot?: string): RawSpecialistOutput {
    return {
      ...this.#common(this.confidence()),
      status: "returned",
      ...(nextPivot ? { nextPivot } : {}),
    };
  }

  /** The run did not apply or lacked its inputs: confidence 0. */
  skipped(reason: string): RawSpecialistOutput {
    return { ...this.#common(0), status: "skipped", reason };
  }

  /** The run could not see what it needed: confidence 0, with the error's code and retryability. */
  failed(error: unknown, nextPivot?: string): RawSpecialistOutput {
    const e = asAppError(error);
    return {
      ...this.#common(0),
      status: "failed",
      error: { code: e.code, message: e.message, retryable: e.retryable },
      ...(nextPivot ? { nextPivot } : {}),
    };
  }

  /** The deadline passed: what was gathered, at the family's timed-out confidence. */
  timedOut(): RawSpecialistOutput {
    const { timedOutFactor, timedOutCeiling } = this.#rules;
    return {
      ...this.#common(Math.min(this.confidence() * timedOutFactor, timedOutCeiling)),
      status: "timed_out",
      deadlineMs: Math.max(1, Math.round(this.#deadlineMs)),
    };
  }

  /**
   * How a check-based run ends: `timed_out` when the deadline passed, `failed` (with the
   * first error) when checks were attempted and every one failed upstream, `returned`
   * otherwise.
   */
  finish(signal: AbortSignal, nextPivot?: string): RawSpecialistOutput {
    if (signal.aborted) return this.timedOut();
    if (this.#firstFailure && this.#checksSucceeded === 0) return this.failed(this.#firstFailure);
    return this.returned(nextPivot);
  }

  /** How a read-based run that threw ends: timed out if the deadline passed, else failed. */
  thrown(error: unknown): RawSpecialistOutput {
    return error instanceof DeadlineReached ? this.timedOut() : this.failed(error);
  }
}

/** A read that failed as a value, so one failure does not stop the rest. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** Runs a read under the deadline; upstream failures come back as values, the deadline throws. */
export async function settle<T>(read: () => Promise<T>, signal: AbortSignal): Promise<Settled<T>> {
  try {
    return { ok: true, value: await untilAborted(read(), signal) };
  } catch (error) {
    if (error instanceof DeadlineReached) throw error;
    return { ok: false, error: asAppError(error, ErrorCode.UpstreamUnavailable) };
  }
}

/** Whether a failed read means "there is no such thing" rather than "could not look". */
export const isNotFound = (error: AppError) => error.code === ErrorCode.NotFound;

/** A failed read, as the text of a gap. */
export const describeError = (error: AppError) => `${error.code}: ${error.message}`;
