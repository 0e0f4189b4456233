import type { Transport } from './rest-client.js';

// The summaries the dashboard reads. The routes document no response schemas: these types follow the
// server's render functions (src/transport/http/stats-routes.ts).

export interface StatsCounts {
  /** status → count */
  tasks: Record<string, number>;
  flow_instances: Record<string, number>;
  processes: Record<string, number>;
  endpoints: number;
}

export interface ThroughputMinute {
  at: string;
  tasks_completed: number;
  transitions_fired: number;
}

export interface StatsApi {
  counts(): Promise<StatsCounts>;
  /** One bucket per minute, the last `minutes` (default 60, at most 1440). */
  throughput(minutes?: number): Promise<ThroughputMinute[]>;
}

export function createStatsApi(t: Transport): StatsApi {
  const { raw, unwrap, policy } = t;
  return {
    counts: () => unwrap<StatsCounts>(raw.GET('/v1/stats/counts', policy(true))),
    throughput: async (minutes) =>
      (await unwrap<{ minutes: ThroughputMinute[] }>(raw.GET('/v1/stats/throughput', { params: { query: minutes === undefined ? {} : { minutes } }, ...policy(true) }))).minutes,
  };
}
