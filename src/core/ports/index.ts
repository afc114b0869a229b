export type { Checkpoint, EventQuery, ResourceQuery, Store } from './store.js';
