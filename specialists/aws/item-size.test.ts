import { describe, expect, it } from "vitest";
import type { MetricDescriptor, MetricSeries } from "../tools.ts";
import { kindSpec } from "./measures.ts";
import { planReads } from "./reads.ts";
import type { Resource } from "./resources.ts";
import { assessSeries, ratioSeries } from "./series.ts";

/**
 * A cache's bytes per item (BytesUsedForCache over CurrItems): the size of an entry, which
 * a change to what is cached moves and neither metric shows alone.
 */

const NOW = new Date("2026-05-04T09:00:00Z");
const MIN = 60_000;
const ITEM_BYTES = kindSpec("cache").series.find((s) => s.measure === "cache_item_bytes")!;

/** One value a minute for `count` minutes ending a minute before now. */
function series(value: (ago: number) => number | undefined, count = 90): MetricSeries {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let ago = count; ago >= 1; ago--) {
    const v = value(ago);
    if (v === undefined) continue;
    timestamps.push(new Date(NOW.getTime() - ago * MIN).toISOString());
    values.push(v);
  }
  return { label: "m", timestamps, values };
}

/** ±0.5% noise, the same every run. */
const jitter = (ago: number) => 1 + ((ago * 37) % 11) / 1000 - 0.005;

describe("ratioSeries", () => {
  it("divides period by period, skipping periods one side lacks or with nothing to divide by", () => {
    const bytes: MetricSeries = {
      label: "BytesUsedForCache",
      timestamps: ["t1", "t2", "t3", "t4"],
      values: [3000, 4000, 5000, 6000],
    };
    const items: MetricSeries = {
      label: "CurrItems",
      timestamps: ["t1", "t2", "t4"],
      values: [1, 2, 0],
    };
    expect(ratioSeries(bytes, items)).toEqual({
      label: "BytesUsedForCache per CurrItems",
      timestamps: ["t1", "t2"],
      values: [3000, 2000],
    });
  });
});

describe("bytes per cached item", () => {
  const items = series((ago) => 800_000 * jitter(ago));
  /** Each entry grows by a quarter over half an hour from 60 min ago (keys refreshing). */
  const grown = series((ago) => {
    const size = ago > 60 ? 2000 : 2000 + 500 * Math.min(1, (60 - ago) / 30);
    return size * 800_000 * jitter(ago + 3);
  });

  it("reads entries grown by a quarter as a rise dated where they began to grow", () => {
    const change = assessSeries(ratioSeries(grown, items), ITEM_BYTES, { now: NOW });
    expect(change?.direction).toBe("rise");
    expect(Date.parse(change!.onset!)).toBeGreaterThanOrEqual(NOW.getTime() - 62 * MIN);
    expect(Date.parse(change!.onset!)).toBeLessThanOrEqual(NOW.getTime() - 58 * MIN);
  });

  it("reads more keys of the same size as flat: the working set widened, each entry did not grow", () => {
    const moreItems = series((ago) => (ago > 60 ? 800_000 : 1_000_000) * jitter(ago));
    const moreBytes = series((ago) => 2000 * (ago > 60 ? 800_000 : 1_000_000) * jitter(ago));
    const change = assessSeries(ratioSeries(moreBytes, moreItems), ITEM_BYTES, { now: NOW });
    expect(change?.direction).toBe("flat");
  });

  it("is planned only when the cluster publishes both metrics", () => {
    const cache: Resource = {
      kind: "cache",
      id: "c-001",
      dims: { CacheClusterId: "c-001" },
      origin: "declared",
    };
    const listed = (...names: string[]): MetricDescriptor[] =>
      names.map((metricName) => ({
        namespace: "AWS/ElastiCache",
        metricName,
        dimensions: { CacheClusterId: "c-001" },
      }));
    const planned = (l: MetricDescriptor[]) => planReads(cache, l).map((p) => p.spec.measure);
    expect(planned(listed("CurrItems", "BytesUsedForCache"))).toContain("cache_item_bytes");
    expect(planned(listed("BytesUsedForCache"))).not.toContain("cache_item_bytes");
  });
});
