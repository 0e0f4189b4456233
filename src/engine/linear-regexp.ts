import { setFlagsFromString } from 'node:v8';

// Regular expressions written by users — `=~` in flow and process conditions, Ruote's /patterns/,
// JSONata's — run on the event loop: one with catastrophic backtracking (`/^(a+)+$/` against
// "aaa…ab") would hold every request of the node for minutes. With this flag V8 runs a regexp that
// backtracks too much (50,000 backtracks by default) again on its linear-time engine, which gives
// the same answer for every pattern it supports (all but backreferences and lookarounds: those keep
// backtracking). Set once, before the first user regexp runs; it changes nothing else.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
