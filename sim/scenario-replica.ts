import { z } from "zod";

/**
 * The `replica` slice of a scenario: tables seeded into a real Postgres database that
 * plays the production read replica. Rows are written out (`rows`, as lists in column
 * order or as objects) or generated (`generate`) so aggregates run over realistic
 * volumes. Only the column types below are allowed: the seeder builds DDL from them.
 */
const REPLICA_COLUMN_TYPES = [
  "text",
  "integer",
  "bigint",
  "numeric",
  "boolean",
  "timestamptz",
  "date",
  "uuid",
  "jsonb",
] as const;

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a lower-case SQL identifier (letters, digits, _)");

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const cell = z.union([scalar, z.record(z.string(), z.unknown()), z.array(z.unknown())]);

/**
 * How `generate` fills one column. In a template, `{i}` is the 0-based row index, `{i/N}`
 * its integer quotient and `{i%N}` its remainder (N rows per parent, position in group).
 */
const generatorSchema = z.union([
  z.object({ seq: z.number().int() }).strict(),
  z.object({ cycle: z.array(cell).min(1) }).strict(),
  z.object({ const: cell }).strict(),
  z.object({ template: z.string() }).strict(),
  z
    .object({ timeFrom: z.iso.datetime({ offset: true }), stepSeconds: z.number().positive() })
    .strict(),
]);
type ReplicaGenerator = z.infer<typeof generatorSchema>;

const columnSchema = z
  .object({
    name: identifier,
    type: z.enum(REPLICA_COLUMN_TYPES),
    primaryKey: z.boolean().default(false),
    nullable: z.boolean().default(true),
  })
  .strict();

const tableSchema = z
  .object({
    name: identifier,
    columns: z.array(columnSchema).min(1),
    rows: z.array(z.union([z.array(cell), z.record(z.string(), cell)])).default([]),
    generate: z
      .array(
        z
          .object({
            count: z.number().int().positive().max(100_000),
            values: z.record(z.string(), generatorSchema),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((table, ctx) => {
    const names = table.columns.map((c) => c.name);
    const known = new Set(names);
    table.rows.forEach((row, i) => {
      if (Array.isArray(row)) {
        if (row.length !== names.length) {
          ctx.addIssue({
            code: "custom",
            path: ["rows", i],
            message: `expected ${names.length} values (${names.join(", ")}), got ${row.length}`,
          });
        }
      } else {
        for (const key of Object.keys(row)) {
          if (!known.has(key)) {
            ctx.addIssue({ code: "custom", path: ["rows", i, key], message: "unknown column" });
          }
        }
      }
    });
    table.generate.forEach((g, gi) => {
      for (const key of Object.keys(g.values)) {
        if (!known.has(key)) {
          ctx.addIssue({
            code: "custom",
            path: ["generate", gi, "values", key],
            message: "unknown column",
          });
        }
      }
    });
  });

export const replicaSchema = z
  .object({ tables: z.array(tableSchema).min(1) })
  .strict()
  .superRefine((replica, ctx) => {
    const seen = new Set<string>();
    replica.tables.forEach((t, i) => {
      if (seen.has(t.name)) {
        ctx.addIssue({ code: "custom", path: ["tables", i, "name"], message: "duplicate table" });
      }
      seen.add(t.name);
    });
  });

type ReplicaData = z.output<typeof replicaSchema>;
export type ReplicaTable = ReplicaData["tables"][number];

function generate(g: ReplicaGenerator, i: number): unknown {
  if ("seq" in g) return g.seq + i;
  if ("cycle" in g) return g.cycle[i % g.cycle.length];
  if ("const" in g) return g.const;
  if ("template" in g) {
    return g.template.replace(/\{i(?:([/%])(\d+))?\}/g, (_, op?: string, n?: string) => {
      if (op === "/") return String(Math.floor(i / Number(n)));
      if (op === "%") return String(i % Number(n));
      return String(i);
    });
  }
  return new Date(new Date(g.timeFrom).getTime() + i * g.stepSeconds * 1000).toISOString();
}

/** Every row of a table as an object keyed by column, written rows first. */
export function tableRows(table: ReplicaTable): Record<string, unknown>[] {
  const names = table.columns.map((c) => c.name);
  const rows: Record<string, unknown>[] = table.rows.map((row) => {
    const values = Array.isArray(row) ? row : names.map((n) => row[n] ?? null);
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
  });
  for (const g of table.generate) {
    for (let i = 0; i < g.count; i += 1) {
      rows.push(
        Object.fromEntries(
          names.map((n) => {
            const gen = g.values[n];
            return [n, gen ? generate(gen, i) : null];
          }),
        ),
      );
    }
  }
  return rows;
}
