/** The live collection sources: what the engine, the contract and the CLI need from this folder. */
export { Collector, parseCollectorConfig } from './collector';
export type { CollectorHooks, CollectorStats, ListenerStats, StartOptions } from './collector';
export { collectorConfigSchema } from './config';
export type { CollectorConfig, CollectorConfigInput } from './config';
export { LiveQueue } from './queue';
export type { QueueStats } from './queue';
export type { RecentLine } from './recorder';
export type { TailCheckpoint, TailFileStatus } from './tailer';
export type { SenderCount } from './top-senders';
export type { DropReason, LiveMessage, LiveSourceId, TailCursor } from './types';
