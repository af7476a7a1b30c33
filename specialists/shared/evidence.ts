import { type AppError, asAppError, ErrorCode } from "../../src/domain/errors.ts";
import type { Signal } from "../../src/domain/signals.ts";
import {
  type CorrelationId,
  type EvidenceGap,
  type Finding,
  type RawSpecialistOutput,
  type SourceKind,
  SPECIALIST_OUTPUT_SCHEMA_VERSION,
} from "../../src/domain/specialist-output.ts";
import { DeadlineReached, untilAborted } from "./deadline.ts";

/**
 * Collects one specialist's evidence as it is read — sources (deduplicated by ref),
 * findings, signals, correlation IDs and gaps — and turns it into a raw output with the
 * status the run ended in. What was gathered before a failure or the deadline is kept.
 *
 * Used by the read-based specialists (sentry, release), whose reads go through
 * {@link settle}. The check-based ones use ./draft.ts, whose confidence and timeout rules
 * differ.
 */

/** The confidence a specialist starts from before its own gaps are subtracted. */
const BASE_CONFIDENCE = 85;

/** One run's evidence as it is read, observed at the run's start time. */
export class EvidenceCollector {
  readonly #sources = new Map<string, { kind: SourceKind; ref: string; fetchedAt: string }>();
  readonly #findings: Finding[] = [];
  readonly #signals: Signal[] = [];
  readonly #correlationIds = new Map<string, CorrelationId>();
  readonly #gaps: EvidenceGap[] = [];

  constructor(
    readonly specialistId: string,
    readonly question: string,
    /** The world clock at the start of the run: fetch and observation times. */
    readonly at: string,
  ) {}

  /** Registers a source once and returns its ref, for findings and signals to cite. */
  source(kind: SourceKind, ref: string): string {
    if (!this.#sources.has(ref)) this.#sources.set(ref, { kind, ref, fetchedAt: this.at });
    return ref;
  }

  /** A fact read from `sourceRef`, as of `observedAt` (the run's start by default). */
  finding(fact: string, sourceRef: string, observedAt = this.at): void {
    this.#findings.push({ fact, sourceRef, observedAt });
  }

  /** A signal, already tied to its source. */
  signal(signal: Signal): void {
    this.#signals.push(signal);
  }

  /** A correlation ID for other specialists to pivot on; listed once, empty values ignored. */
  correlation(kind: CorrelationId["kind"], value: string): void {
    const key = `${kind}:${value}`;
    if (value.length > 0 && !this.#correlationIds.has(key)) {
      this.#correlationIds.set(key, { kind, value });
    }
  }

  /** Something the run could not see, costing `confidenceImpact` points. */
  gap(what: string, confidenceImpact: number): void {
    this.#gaps.push({ what, confidenceImpact });
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
      confidence: Math.max(0, Math.min(100, confidence)),
      gaps: [...this.#gaps],
    };
  }

  /** Base confidence less every gap's stated impact. */
  confidence(): number {
    return BASE_CONFIDENCE - this.#gaps.reduce((sum, g) => sum + g.confidenceImpact, 0);
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

  /** The run failed: confidence 0, with the error's code and retryability. */
  failed(error: unknown, nextPivot?: string): RawSpecialistOutput {
    const e = asAppError(error);
    return {
      ...this.#common(0),
      status: "failed",
      error: { code: e.code, message: e.message, retryable: e.retryable },
      ...(nextPivot ? { nextPivot } : {}),
    };
  }

  /** The deadline passed: what was gathered, at a confidence of at most 30. */
  timedOut(deadlineMs: number): RawSpecialistOutput {
    return {
      ...this.#common(Math.min(this.confidence(), 30)),
      status: "timed_out",
      deadlineMs: Math.max(1, Math.round(deadlineMs)),
    };
  }

  /**
   * What a run that threw ended in: timed out if the deadline passed, else failed. A bug
   * must not crash the run: a failure is an output (DESIGN, Evidence).
   */
  thrown(error: unknown, deadlineMs: number): RawSpecialistOutput {
    return error instanceof DeadlineReached ? this.timedOut(deadlineMs) : this.failed(error);
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
export const isNotFound = (error: AppError) => error.code === ErrorCode.BadInput;

/** A failed read, as the text of a gap. */
export const describeError = (error: AppError) => `${error.code}: ${error.message}`;
