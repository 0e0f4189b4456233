// How nodes of a cluster tell each other they live: each writes its heartbeat every HEARTBEAT_MS;
// one not heard from for NODE_DEAD_MS is dead, and another node takes its work (tasks, stream
// slots, participant deliveries) within 5 s of its end, as issue 6 asks. Default 1 s and 3 s:
// a live node misses two heartbeats before it is taken for dead.
export const HEARTBEAT_MS = 1000;
export const NODE_DEAD_MS = 3000;
