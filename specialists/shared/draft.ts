import { type AppError, asAppError, ErrorCode } from "../../src/domain/errors.ts";
import type { Signal } from "../../src/domain/signals.ts";
import type {
  CorrelationId,
  EvidenceGap,
  EvidenceSource,
  Finding,
  RawSpecialistOutput,
  SourceKind,
} from "../../src/domain/specialist-output.ts";
import { DeadlineReached, untilAborted } from "./deadline.ts";

/**
 * Collects what one specialist run saw — sources, findings, signals, gaps, correlation
 * IDs — and turns it into a RawSpecialistOutput with the right status. Checks run through
 * {@link runCheck}: an upstream failure becomes a gap (and is remembered, so a run where
 * every check failed reports `failed` with the first error), a passed deadline stops the
 * run with what it has (`timed_out`). Nothing here throws for an upstream failure.
 *
 * Used by the check-based specialists (aws, db, support, vendor). The read-based ones
 * (sentry, release) use ./evidence.ts, whose confidence and timeout rules differ.
 */

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A signal before it is tied to the source it came from. */
type SignalDraft = DistributiveOmit<Signal, "sourceRef">;

const iso = (at: Date | string) => (typeof at === "string" ? at : at.toISOString());
const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

/** One run's evidence as it is gathered; see the module comment for the status rules. */
export class EvidenceDraft {
  readonly #sources = new Map<string, EvidenceSource>();
  readonly #findings: Finding[] = [];
  readonly #signals: Signal[] = [];
  readonly #gaps: EvidenceGap[] = [];
  readonly #correlationIds: CorrelationId[] = [];
  #firstFailure: AppError | undefined;
  #checksSucceeded = 0;

  constructor(
    readonly specialistId: string,
    readonly question: string,
  ) {}

  /** Registers a source once and returns its ref, for findings and signals to cite. */
  source(kind: SourceKind, ref: string, fetchedAt: Date | string): string {
    if (!this.#sources.has(ref)) this.#sources.set(ref, { kind, ref, fetchedAt: iso(fetchedAt) });
    return ref;
  }

  /** A fact read from `sourceRef`, as of `observedAt`. */
  finding(sourceRef: string, fact: string, observedAt: Date | string): void {
    this.#findings.push({ fact, sourceRef, observedAt: iso(observedAt) });
  }

  /** A signal, tied to the source it came from. */
  signal(sourceRef: string, signal: SignalDraft): void {
    this.#signals.push({ ...signal, sourceRef } as Signal);
  }

  /** Something the run could not see, costing `confidenceImpact` points (clamped to 0–100). */
  gap(what: string, confidenceImpact: number): void {
    this.#gaps.push({ what, confidenceImpact: clamp(confidenceImpact) });
  }

  /** A correlation ID for other specialists to pivot on; listed once. */
  correlate(kind: CorrelationId["kind"], value: string): void {
    if (this.#correlationIds.some((c) => c.kind === kind && c.value === value)) return;
    this.#correlationIds.push({ kind, value });
  }

  /** A check that failed upstream: remembered for the `failed` status. */
  recordFailure(error: AppError): void {
    this.#firstFailure ??= error;
  }

  /** A check that completed: the run is not `failed` however many others did. */
  recordSuccess(): void {
    this.#checksSucceeded += 1;
  }

  /** The signals recorded so far. */
  get signals(): readonly Signal[] {
    return this.#signals;
  }

  /** The findings recorded so far. */
  get findings(): readonly Finding[] {
    return this.#findings;
  }

  #common(confidence: number) {
    return {
      schemaVersion: 1 as const,
      specialistId: this.specialistId,
      question: this.question,
      sources: [...this.#sources.values()],
      findings: [...this.#findings],
      correlationIds: [...this.#correlationIds],
      signals: [...this.#signals],
      confidence: clamp(confidence),
      gaps: [...this.#gaps],
    };
  }

  /** The specialist's own confidence: what it saw, less what it could not see. */
  #confidence(): number {
    if (this.#sources.size === 0) return 0;
    const base = this.#signals.length > 0 ? 85 : 60;
    return base - this.#gaps.reduce((sum, g) => sum + g.confidenceImpact, 0);
  }

  /** The run completed: its own confidence, and where to look next if anywhere. */
  returned(nextPivot?: string): RawSpecialistOutput {
    return {
      ...this.#common(this.#confidence()),
      status: "returned",
      ...(nextPivot ? { nextPivot } : {}),
    };
  }

  /** The run did not apply or lacked its inputs: confidence 0. */
  skipped(reason: string): RawSpecialistOutput {
    return { ...this.#common(0), status: "skipped", reason };
  }

  /** The run could not see anything: confidence 0, with the error's code and retryability. */
  failed(error: AppError): RawSpecialistOutput {
    return {
      ...this.#common(0),
      status: "failed",
      error: { code: error.code, message: error.message, retryable: error.retryable },
    };
  }

  /** The deadline passed: what was gathered, at half the confidence. */
  timedOut(deadlineMs: number): RawSpecialistOutput {
    return {
      ...this.#common(this.#confidence() / 2),
      status: "timed_out",
      deadlineMs: Math.max(1, Math.round(deadlineMs)),
    };
  }

  /**
   * The status the run ends with: `timed_out` when the deadline passed, `failed` when
   * checks were attempted and every one failed upstream, `returned` otherwise.
   */
  finish(signal: AbortSignal, deadlineMs: number, nextPivot?: string): RawSpecialistOutput {
    if (signal.aborted) return this.timedOut(deadlineMs);
    const first = this.#firstFailure;
    if (first && this.#checksSucceeded === 0) return this.failed(first);
    return this.returned(nextPivot);
  }
}

/** One read a run makes, for {@link runCheck}. */
export interface Check {
  /** What the read looks at, for the gap its failure leaves ("5xx rate of <load balancer>"). */
  what: string;
  /** Confidence points its failure costs. */
  impact: number;
  run: () => Promise<void>;
}

/**
 * Runs one check: its upstream failure becomes a gap costing `impact` points (and is
 * recorded for the status), the deadline stops it quietly. Never throws.
 */
export async function runCheck(
  draft: EvidenceDraft,
  signal: AbortSignal,
  check: Check,
): Promise<void> {
  try {
    await untilAborted(check.run(), signal);
    draft.recordSuccess();
  } catch (error) {
    if (error instanceof DeadlineReached || signal.aborted) return;
    const appError = asAppError(error, ErrorCode.UpstreamUnavailable);
    draft.recordFailure(appError);
    draft.gap(`${check.what} unavailable (${appError.code}): ${appError.message}`, check.impact);
  }
}
