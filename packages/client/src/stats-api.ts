import type { Transport } from './rest-client.js';
import type { Present, ResponseOf } from './api-types.js';

// The summaries the dashboard reads.
export type StatsCounts = Present<ResponseOf<'/v1/stats/counts', 'get', 200>>;
export type ThroughputMinute = Present<NonNullable<ResponseOf<'/v1/stats/throughput', 'get', 200>['minutes']>[number]>;

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
