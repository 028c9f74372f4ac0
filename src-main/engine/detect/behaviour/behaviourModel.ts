/**
 * A trained behavioural model as the case stores it: the forest, which feature set and transform
 * it expects, which group kind it scores, and its risk cut-offs. One JSON blob per kind.
 */
import { FEATURE_NAMES, FEATURE_SET_VERSION, type GroupKind } from './features';
import { IsolationForest, type IsolationForestJson, type IsolationForestParams } from './iforest';
import { type FeatureMatrix, log1pMatrix, matrixFromRows } from './matrix';
import { type RiskCutoffs, type RiskLevel, calibrateCutoffs, riskLevel } from './riskLevel';

export type FeatureTransform = 'log1p' | 'none';

export const BEHAVIOUR_MODEL_VERSION = 'iforest-behaviour/1';

export interface BehaviourModelJson {
  modelVersion: string;
  kind: GroupKind;
  featureSetVersion: string;
  transform: FeatureTransform;
  cutoffs: RiskCutoffs;
  trainedAt: number | null;
  forest: IsolationForestJson;
}

export class BehaviourModel {
  private constructor(
    readonly kind: GroupKind,
    readonly transform: FeatureTransform,
    readonly cutoffs: RiskCutoffs,
    readonly forest: IsolationForest,
    readonly trainedAt: number | null,
  ) {}

  static train(
    kind: GroupKind,
    vectors: readonly (readonly number[])[],
    opts: { params?: Partial<IsolationForestParams>; transform?: FeatureTransform; trainedAt?: number } = {},
  ): BehaviourModel {
    const transform = opts.transform ?? 'log1p';
    const m = prepareMatrix(matrixFromRows(vectors, FEATURE_NAMES.length), transform);
    const forest = IsolationForest.train(m, opts.params, { featureNames: [...FEATURE_NAMES], featureSetVersion: FEATURE_SET_VERSION });
    // Quantiles need a few thousand scores, not all of them: calibrating on a strided sample
    // keeps training on 100K rows cheap.
    const cutoffs = calibrateCutoffs(forest.scoreMatrix(strided(m, 20_000)));
    return new BehaviourModel(kind, transform, cutoffs, forest, opts.trainedAt ?? null);
  }

  score(vector: readonly number[]): { score: number; level: RiskLevel } {
    const row = this.transform === 'log1p' ? vector.map(signedLog1p) : vector;
    const score = this.forest.scoreRow(row);
    return { score, level: riskLevel(score, this.cutoffs) };
  }

  scoreMatrix(raw: FeatureMatrix): Float64Array {
    return this.forest.scoreMatrix(prepareMatrix(raw, this.transform));
  }

  toJSON(): BehaviourModelJson {
    return {
      modelVersion: BEHAVIOUR_MODEL_VERSION,
      kind: this.kind,
      featureSetVersion: this.forest.featureSetVersion ?? FEATURE_SET_VERSION,
      transform: this.transform,
      cutoffs: { ...this.cutoffs },
      trainedAt: this.trainedAt,
      forest: this.forest.toJSON(),
    };
  }

  static fromJSON(json: BehaviourModelJson): BehaviourModel {
    if (json.modelVersion !== BEHAVIOUR_MODEL_VERSION) throw new Error(`unsupported behaviour model ${json.modelVersion}`);
    // A model trained on another feature set would silently read the wrong columns.
    if (json.featureSetVersion !== FEATURE_SET_VERSION) {
      throw new Error(`model expects features ${json.featureSetVersion}, this build computes ${FEATURE_SET_VERSION}; retrain`);
    }
    return new BehaviourModel(json.kind, json.transform, { ...json.cutoffs }, IsolationForest.fromJSON(json.forest), json.trainedAt);
  }
}

export function prepareMatrix(m: FeatureMatrix, transform: FeatureTransform): FeatureMatrix {
  return transform === 'log1p' ? log1pMatrix(m) : m;
}

function signedLog1p(v: number): number {
  return v >= 0 ? Math.log1p(v) : -Math.log1p(-v);
}

function strided(m: FeatureMatrix, maxRows: number): FeatureMatrix {
  if (m.rows <= maxRows) return m;
  const step = m.rows / maxRows;
  const data = new Float64Array(maxRows * m.cols);
  for (let i = 0; i < maxRows; i++) {
    const r = Math.floor(i * step);
    data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { rows: maxRows, cols: m.cols, data };
}
