import type { paths } from './generated/openapi.js';

// Convenient names for the shapes of the generated OpenAPI types. The server's response schemas list
// their properties without `required`, so the generated fields are all optional; `Present` restores
// the fields that the server always renders (checked against its render functions).

type Method = 'get' | 'post' | 'put' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never;
/** The JSON body of a response. */
export type ResponseOf<P extends keyof paths, M extends Method, S extends number> = Op<P, M> extends { responses: infer Rs } ? (S extends keyof Rs ? Json<Rs[S]> : never) : never;
/** The JSON request body. */
export type BodyOf<P extends keyof paths, M extends Method> = Op<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;
/** The query parameters. */
export type QueryOf<P extends keyof paths, M extends Method> = Op<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Present<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export type Task = Present<NonNullable<ResponseOf<'/tasks/{id}', 'get', 200>['task']>>;
export type ClaimedTask = Present<NonNullable<ResponseOf<'/v1/tasks/claim', 'post', 200>['tasks']>[number]>;
export type TaskStatus = Task['status'];
export type CreateTaskInput = BodyOf<'/tasks', 'post'>;
export type ClaimInput = BodyOf<'/v1/tasks/claim', 'post'>;

export type FlowDefinitionInput = BodyOf<'/v1/flows', 'post'>;
type FlowSchemaDoc = ResponseOf<'/v1/flows/{identifier}', 'get', 200>;
/** name and description are shown only when the definition had them. */
export type FlowSchema = Omit<Present<FlowSchemaDoc>, 'name' | 'description'> & Pick<FlowSchemaDoc, 'name' | 'description'>;
export type FlowInstance = Present<ResponseOf<'/v1/flow-instances/{id}', 'get', 200>>;
export type FlowInstanceState = FlowInstance['state'];
export type FlowInstanceFilter = QueryOf<'/v1/flow-instances', 'get'>;
export type SubjectInput = BodyOf<'/v1/subjects/{key}', 'put'>;
// The subject and history routes document their answers loosely; these follow the server's render functions.
export interface Subject {
  key: string;
  properties: Record<string, unknown>;
  schema: unknown;
  instances: FlowInstance[];
  created_at: string;
  updated_at: string;
}
export type TransitionInput = BodyOf<'/v1/flow-instances/{id}/transitions', 'post'>;
export interface TransitionSuccess {
  result: 'success';
  instance: FlowInstance;
}
export interface HistoryEntry {
  seq: number;
  transition: string;
  from: string | null;
  to: string | null;
  type: 'manual' | 'automatic' | string;
  request_id: string | null;
  at: string;
}

// The workflows API answers without response schemas (GET /v1/workflows, /v1/workflows/:wfid, definitions),
// so these are written by hand from docs/processes.md and the server's render functions.
export type LaunchInput = BodyOf<'/v1/workflows', 'post'>;
export type ProcessStatus = 'running' | 'completed' | 'cancelled' | 'error' | 'terminated';
export interface ProcessSummary {
  id: string;
  name: string | null;
  revision: number | null;
  definition: string | null;
  status: ProcessStatus;
  paused: boolean;
  launched_at: string;
  ended_at: string | null;
}
export interface Workitem {
  workitem_id: string;
  participant: string;
  fields: Record<string, unknown>;
  proceed_url: string;
  dispatched_at: string | null;
  delivery: { state: 'pending' | 'delivered' | 'failed' | 'superseded'; attempts: number; next_attempt_at: string | null; last_error: string | null } | null;
}
export interface Process extends ProcessSummary {
  fields: Record<string, unknown>;
  variables: Record<string, unknown>;
  workitems: Workitem[];
  errors: { id: string; expid: string; message: string; at: string }[];
  tree: unknown;
  trace: string[];
}
export interface DefinitionSummary {
  name: string;
  revision: number;
  created_at: string;
}
export interface Definition extends DefinitionSummary {
  workflow: unknown;
  tree: unknown;
}
export type ReplayInput = BodyOf<'/v1/workflows/{wfid}/errors/{id}/replay', 'post'>;
