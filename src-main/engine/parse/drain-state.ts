/** Plain-JSON shapes of the Drain miner: its options and its persisted state. */

export interface DrainOptions {
  /** Tree depth as in the Drain paper: root + token-count layer + (depth - 2) leading-token layers. */
  depth: number;
  /** Similarity threshold: a message joins the most similar cluster of its leaf if sim ≥ this. */
  similarity: number;
  /** Children per tree node; further distinct tokens share the "<*>" child. */
  maxChildren: number;
  /** Live clusters; beyond it the least recently matched 10% are evicted (see Drain.evict). */
  maxClusters: number;
  /**
   * Clusters per leaf: every message is compared with each cluster of its leaf, so this bounds
   * the work per message when many templates share a token count and leading tokens. Past it,
   * the leaf's least recently matched cluster is evicted.
   */
  maxClustersPerLeaf: number;
  /** Tokens per message; the rest of a longer message becomes one trailing wildcard. */
  maxTokens: number;
  /** Example messages kept per cluster (the first distinct ones). */
  maxExamples: number;
  /** Characters kept per example message. */
  maxExampleLength: number;
  /** Prefix of cluster ids, so miners of different sources never hand out the same id. */
  idPrefix: string;
}

export interface DrainClusterState {
  id: string;
  /** Template tokens: literals, typed placeholders ("<IP>", "rhost=<IP>") and "<*>". */
  tokens: string[];
  count: number;
  examples: string[];
  /** Tick of the last add() that matched or created this cluster (drives eviction). */
  lastSeen: number;
  /** Keys of the leading-token tree layers this cluster hangs under. */
  path: string[];
}

export interface DrainState {
  version: 1;
  options: DrainOptions;
  /** Number part of the next cluster id. */
  nextId: number;
  /** add() calls so far. */
  tick: number;
  /** Live clusters in creation order. */
  clusters: DrainClusterState[];
}
