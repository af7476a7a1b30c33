/** One benchmark module: `bench/<name>.bench.ts` with a default export of this type. */
export interface BenchResult {
  name: string;
  /** Rows printed as a table: metric → value (numbers rounded by the runner). */
  metrics: Record<string, number | string>;
  /** The goal from the issue and whether it was met, e.g. "≥ 20 MB/s: met". */
  verdict?: string;
}
export type Bench = () => Promise<BenchResult[]>;
