/**
 * A dense row-major feature matrix. Flat Float64Array rather than number[][] so 100K rows cost
 * one allocation and scoring walks memory in order.
 */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrixFromRows(rows: readonly (readonly number[])[], cols?: number): FeatureMatrix {
  const c = cols ?? rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new Error(`row ${i} has ${row.length} values, expected ${c}`);
    for (let j = 0; j < c; j++) data[i * c + j] = row[j] as number;
  });
  return { rows: rows.length, cols: c, data };
}

export function matrixRow(m: FeatureMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/**
 * Signed log1p of every cell. Counts in auth/web logs are heavy-tailed; on raw counts a uniform
 * split between min and max nearly always lands in the empty upper range, so the forest learns
 * little about the dense low range where most attacks (20-300 events) sit.
 */
export function log1pMatrix(m: FeatureMatrix): FeatureMatrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = m.data[i] as number;
    data[i] = v >= 0 ? Math.log1p(v) : -Math.log1p(-v);
  }
  return { rows: m.rows, cols: m.cols, data };
}
