import { z } from "zod";
import { ClassificationSchema } from "./classifier-schema.ts";
import { EvidenceBundleSchema } from "./evidence-bundle.ts";
import { SignalSchema } from "./signals.ts";
import { SpecialistOutputSchema } from "./specialist-output.ts";

/**
 * The evidence model in one import: signals, specialist outputs, bundle context, the
 * bundle itself and its classification, plus the JSON Schemas that `prode schema` prints.
 */
export * from "./classifier-schema.ts";
export * from "./evidence-bundle.ts";
export * from "./evidence-context.ts";
export * from "./signals.ts";
export * from "./specialist-output.ts";

const PUBLISHED_SCHEMAS = {
  "evidence-bundle": EvidenceBundleSchema,
  "specialist-output": SpecialistOutputSchema,
  classification: ClassificationSchema,
  signal: SignalSchema,
} as const;
export type PublishedSchemaName = keyof typeof PUBLISHED_SCHEMAS;
export const PUBLISHED_SCHEMA_NAMES = Object.keys(PUBLISHED_SCHEMAS) as PublishedSchemaName[];

export function isPublishedSchemaName(name: string): name is PublishedSchemaName {
  return Object.hasOwn(PUBLISHED_SCHEMAS, name);
}

/** The JSON Schema (draft 2020-12) of one published schema, describing parsed (output) data. */
export function evidenceJsonSchema(name: PublishedSchemaName): Record<string, unknown> {
  return z.toJSONSchema(PUBLISHED_SCHEMAS[name], { io: "output" }) as Record<string, unknown>;
}
