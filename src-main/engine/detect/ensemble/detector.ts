/**
 * The one interface every detector of the ensemble shares, in the style of River (online ML):
 * prequential use is `score(x)` then `learn(x)`, so a point is judged before it shapes the model.
 */
export interface AnomalyDetector<X, S> {
  /** Fold one observation into the model. */
  learn(x: X): void;
  /**
   * Higher means more anomalous. Null while the detector has no basis for an opinion (warm-up):
   * a zero would read as "perfectly normal" and drag the blender's running statistics down.
   */
  score(x: X): number | null;
  /** A JSON-serialisable snapshot; `restore(JSON.parse(JSON.stringify(state())))` must be exact. */
  state(): S;
  restore(state: S): void;
}
