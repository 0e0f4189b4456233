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
/** A task of a batch: as CreateTaskInput, and its own `idempotency_key`. */
export type BatchTaskInput = NonNullable<BodyOf<'/v1/tasks/batch', 'post'>['tasks']>[number];
export type ClaimInput = BodyOf<'/v1/tasks/claim', 'post'>;

export type FlowDefinitionInput = BodyOf<'/v1/flows', 'post'>;
export type FlowSchema = Present<ResponseOf<'/v1/flows/{identifier}', 'get', 200>>;
export type FlowInstance = Present<ResponseOf<'/v1/flow-instances/{id}', 'get', 200>>;
export type FlowInstanceState = FlowInstance['state'];
export type FlowInstanceFilter = QueryOf<'/v1/flow-instances', 'get'>;
export type SubjectInput = BodyOf<'/v1/subjects/{key}', 'put'>;
export type Subject = Omit<Present<ResponseOf<'/v1/subjects/{key}', 'get', 200>>, 'instances'> & { instances: FlowInstance[] };
export type TransitionInput = BodyOf<'/v1/flow-instances/{id}/transitions', 'post'>;
export interface TransitionSuccess {
  result: 'success';
  instance: FlowInstance;
}
export type HistoryEntry = Present<NonNullable<ResponseOf<'/v1/flow-instances/{id}/history', 'get', 200>['history']>[number]>;
/** A manual transition an instance offers now, and whether it would fire (`reason` when not). */
export type TransitionNow = Present<NonNullable<ResponseOf<'/v1/flow-instances/{id}/transitions', 'get', 200>['transitions']>[number]>;

export type LaunchInput = BodyOf<'/v1/workflows', 'post'>;
type ProcessDoc = ResponseOf<'/v1/workflows/{wfid}', 'get', 200>;
type WorkitemDoc = NonNullable<ProcessDoc['workitems']>[number];
export type Workitem = Omit<Present<WorkitemDoc>, 'delivery'> & { delivery: Present<NonNullable<WorkitemDoc['delivery']>> | null };
export type ProcessSummary = Present<NonNullable<ResponseOf<'/v1/workflows', 'get', 200>['workflows']>[number]>;
export type ProcessStatus = ProcessSummary['status'];
export type Process = Omit<Present<ProcessDoc>, 'workitems' | 'errors'> & { workitems: Workitem[]; errors: Present<NonNullable<ProcessDoc['errors']>[number]>[] };
export type Delivery = Present<NonNullable<ResponseOf<'/v1/deliveries', 'get', 200>['deliveries']>[number]>;
/** `GET /v1/deliveries`'s query; `failing` as a boolean (the query string carries "true"/"false"). */
export type DeliveryFilter = Omit<QueryOf<'/v1/deliveries', 'get'>, 'failing'> & { failing?: boolean };
export type DefinitionSummary = Present<ResponseOf<'/v1/definitions', 'post', 201>>;
export type Definition = Present<ResponseOf<'/v1/definitions/{name}', 'get', 200>>;
export type ReplayInput = BodyOf<'/v1/workflows/{wfid}/errors/{id}/replay', 'post'>;
