/**
 * Feature matrix + labels as CSV for bench/iforest_sklearn.py. The exported cells are the values
 * the forest actually sees (after the model's transform), so scikit-learn and our forest are
 * compared on identical inputs.
 */
import { type FeatureTransform, prepareMatrix } from './behaviourModel';
import { FEATURE_NAMES } from './features';
import { matrixFromRows } from './matrix';

export function featureMatrixCsv(vectors: readonly (readonly number[])[], labels: readonly number[], transform: FeatureTransform = 'log1p'): string {
  if (vectors.length !== labels.length) throw new Error(`${vectors.length} rows but ${labels.length} labels`);
  const m = prepareMatrix(matrixFromRows(vectors, FEATURE_NAMES.length), transform);
  const lines = [[...FEATURE_NAMES, 'label'].join(',')];
  for (let i = 0; i < m.rows; i++) {
    const cells: string[] = [];
    for (let j = 0; j < m.cols; j++) cells.push(String(m.data[i * m.cols + j]));
    cells.push(String(labels[i] ? 1 : 0));
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}
