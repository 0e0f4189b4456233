import { createTransport, type ClientOptions, type ResolvedOptions } from './rest-client.js';
import { createTasksApi, type TasksApi } from './tasks-api.js';
import { createFlowInstancesApi, createFlowsRestApi, createSubjectsApi, type FlowInstancesApi, type FlowsRestApi, type SubjectsApi } from './flows-api.js';
import { createDefinitionsApi, createWorkflowsApi, type DefinitionsApi, type WorkflowsApi } from './processes-api.js';
import { FlowConnection, type FlowConnectOptions } from './flows-connection.js';
import { createEndpointsApi, type EndpointsApi } from './endpoints-api.js';
import { createStatsApi, type StatsApi } from './stats-api.js';
import { watchEvents, type TaskWatch, type TaskWatchOptions, type WeftEvent } from './socket-stream.js';
import type { Client } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';

export interface WeftClient {
  readonly options: ResolvedOptions;
  /** The typed openapi-fetch client, for anything the namespaces below do not cover. */
  readonly raw: Client<paths>;
  readonly tasks: TasksApi;
  readonly flows: FlowsRestApi & {
    /** Opens /ws/flows: transitions, starts and subscriptions over one reconnecting socket. */
    connect(opts?: FlowConnectOptions): FlowConnection;
  };
  readonly subjects: SubjectsApi;
  readonly flowInstances: FlowInstancesApi;
  readonly workflows: WorkflowsApi;
  readonly definitions: DefinitionsApi;
  readonly endpoints: EndpointsApi;
  readonly stats: StatsApi;
  /** /ws/events: changes to processes, deliveries, endpoints, flow transitions and tasks, pushed after commit. */
  readonly events: { watch(onEvent: (e: WeftEvent) => void, opts?: TaskWatchOptions): TaskWatch };
  /** The key's workspaces. */
  workspaces(): Promise<{ id: string; created_at: string }[]>;
  /** GET /v1/ping; `{ retry: false }` sends it once (is the server up now?). */
  ping(opts?: { retry?: boolean }): Promise<{ ping: string }>;
}

/** A client for one weft server, key and workspace. */
export function createClient(opts: ClientOptions): WeftClient {
  const t = createTransport(opts);
  const subjects = createSubjectsApi(t);
  const o = t.options;
  return {
    options: o,
    raw: t.raw,
    tasks: createTasksApi(t),
    flows: { ...createFlowsRestApi(t), connect: (c) => new FlowConnection(t, c) },
    subjects,
    flowInstances: createFlowInstancesApi(t),
    workflows: createWorkflowsApi(t),
    definitions: createDefinitionsApi(t),
    endpoints: createEndpointsApi(t),
    stats: createStatsApi(t),
    events: { watch: (onEvent, opts) => watchEvents(t, onEvent, opts) },
    workspaces: async () => (await t.unwrap<{ workspaces: { id: string; created_at: string }[] }>(t.raw.GET('/v1/workspaces', t.policy(true)))).workspaces,
    ping: (opts = {}) => t.ping(opts.retry !== false),
  };
}
