import type postgres from "postgres";
import type { World } from "../../sim/server.ts";
import type { Supervised } from "./processes.ts";
import type { PrivatePostgres, PrivateRedis } from "./servers.ts";

/** What a fault can reach: the world, the private servers and the supervised processes. */
export interface Suite {
  world: World;
  pg: PrivatePostgres;
  redis: PrivateRedis;
  web: Supervised;
  workers: Supervised[];
  webUrl: string;
  env: NodeJS.ProcessEnv;
  sql: postgres.Sql;
}

export interface Fault {
  name: string;
  /** Tickets in this fault's batch (default CHAOS_TICKETS). */
  tickets?: number;
  /**
   * Deliveries per second: the batch arrives at this steady rate instead of all at once,
   * so the fault lands while deliveries are arriving and being processed.
   */
  perSecond?: number;
  /**
   * How long the fault goes on after `inject` returns (a storm's length): the drain bound
   * (CHAOS_DRAIN_SECONDS) counts from its end, not from its start.
   */
  lastsSeconds?: number;
  inject(s: Suite): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
