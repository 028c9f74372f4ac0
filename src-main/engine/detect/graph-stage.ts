/**
 * The entity graph in the pipeline (DESIGN.md step 9): vertices and typed edges from every
 * stored event, algorithms in the background, structural detections as alerts.
 */
import type { Database } from 'better-sqlite3';
import { GraphStage } from '../graph/stage';
import type { Stage } from './stage';

/** The graph's stages, in the order detection passes feed them. */
export function graphStages(db: Database): Stage[] {
  return [new GraphStage(db)];
}
