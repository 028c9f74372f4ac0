/**
 * The detectors whose findings are alerts, and the anomaly ensemble's score series, named once for
 * every part that speaks of them: the contract, the engine, the views.
 */
export const DETECTORS = ['sigma', 'behaviour', 'ensemble', 'graph'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** The ensemble's channels, in the order its blender sees them. */
export const ENSEMBLE_CHANNELS = ['holt_winters', 'cusum', 'hst', 'markov', 'novelty'] as const;
export type EnsembleChannel = (typeof ENSEMBLE_CHANNELS)[number];

/** Every score series the timelines show: the blended score, then each channel. */
export const SCORE_SERIES = ['blend', ...ENSEMBLE_CHANNELS] as const;
export type ScoreSeries = (typeof SCORE_SERIES)[number];

export const SCORE_SERIES_LABELS: Record<ScoreSeries, string> = {
  blend: 'Blended score',
  holt_winters: 'Holt-Winters (counts)',
  cusum: 'CUSUM (change points)',
  hst: 'Half-Space Trees (content)',
  markov: 'Markov (sequences)',
  novelty: 'Novelty (never seen)',
};
