/**
 * Streaming template miner after Drain (He, Zhu, Zheng, Lyu, ICWS 2017): messages are masked,
 * routed through a fixed-depth prefix tree (token count, then the leading tokens), and join the
 * most similar cluster of the leaf they reach, or start a new one. A cluster's template turns a
 * position into "<*>" as soon as two of its messages differ there.
 *
 * Cluster ids are sequential ("t1", "t2", ...) and the counter is part of the persisted state.
 * An id is bound to the cluster, not to its template text, so it survives generalisation; and
 * ids are deterministic for a given input order. Ids derived from a hash of the first template
 * were rejected: after an eviction the same first template would come back under the old id
 * with different members, and the hash would need collision handling for no real gain, since
 * the first template itself depends on arrival order.
 */
import type { DrainClusterState, DrainOptions, DrainState } from './drain-state';
import { isVariableToken, maskMessage, PLACEHOLDER, type MaskedMessage } from './mask';

export type { DrainClusterState, DrainOptions, DrainState } from './drain-state';

export const DEFAULT_DRAIN_OPTIONS: Readonly<DrainOptions> = Object.freeze({
  depth: 4,
  similarity: 0.65,
  maxChildren: 100,
  maxClusters: 50_000,
  maxClustersPerLeaf: 200,
  maxTokens: 256,
  maxExamples: 3,
  maxExampleLength: 512,
  idPrefix: 't',
});

export interface DrainMatch {
  clusterId: string;
  template: string;
  /** Values of the template's placeholders and wildcards for this message, in order. */
  params: string[];
}

export interface DrainResult extends DrainMatch {
  /** True when this message created the cluster or generalised its template. */
  changed: boolean;
}

export interface TemplateInfo {
  id: string;
  template: string;
  count: number;
  examples: string[];
}

const WILDCARD = PLACEHOLDER.any;

interface Cluster {
  id: string;
  tokens: string[];
  template: string;
  count: number;
  examples: string[];
  lastSeen: number;
  path: string[];
  /** The leaf this cluster hangs under while live. */
  leaf: TreeNode | null;
}

interface TreeNode {
  children: Map<string, TreeNode> | null;
  clusters: Cluster[] | null;
  /** Bumped whenever a cluster joins or leaves this leaf or one of its templates changes. */
  version: number;
}

/**
 * A caller's memo for one message it expects to see again (the same text, masked into the same
 * MaskedMessage object, every time).
 * addMasked fills it in; while neither the tree's shape nor the leaf the message reached has
 * changed since, the same message would reach the same leaf and pick the same cluster, so the
 * lookup is skipped. Opaque to callers; create it with newDrainHint().
 */
export interface DrainHint {
  drain: unknown;
  treeVersion: number;
  leaf: unknown;
  leafVersion: number;
  cluster: unknown;
  params: string[];
}

export function newDrainHint(): DrainHint {
  return { drain: null, treeVersion: -1, leaf: null, leafVersion: -1, cluster: null, params: [] };
}

export class Drain {
  readonly options: Readonly<DrainOptions>;
  private readonly byLength = new Map<number, TreeNode>();
  /** Live clusters in creation order (Map keeps insertion order). */
  private readonly clusters = new Map<string, Cluster>();
  private nextId = 1;
  private tick = 0;
  /** Bumped whenever a tree node is created or removed. */
  private treeVersion = 0;

  constructor(options: Partial<DrainOptions> = {}) {
    const o = { ...DEFAULT_DRAIN_OPTIONS, ...options };
    if (!(o.depth >= 3)) throw new RangeError('Drain depth must be ≥ 3');
    if (!(o.similarity >= 0 && o.similarity <= 1)) throw new RangeError('Drain similarity must be in [0, 1]');
    if (!(o.maxChildren >= 1 && o.maxClusters >= 1 && o.maxClustersPerLeaf >= 1 && o.maxTokens >= 1 && o.maxExamples >= 0)) {
      throw new RangeError('Drain limits must be positive');
    }
    this.options = Object.freeze(o);
  }

  /** Learns from one message and returns its cluster. */
  add(message: string): DrainResult {
    return this.addMasked(message, maskMessage(message, this.options.maxTokens));
  }

  /** add() for a message the caller has already masked (to share the work with other stages). */
  addMasked(message: string, m: MaskedMessage, hint?: DrainHint): DrainResult {
    const tick = ++this.tick;
    const tokens = m.masked;
    if (hint !== undefined && hint.drain === this && hint.treeVersion === this.treeVersion && (hint.leaf as TreeNode).version === hint.leafVersion) {
      // Nothing this message is compared with has changed since it last came: same cluster, whose
      // template already covers it (generalising would change nothing), same parameters, and the
      // message is already among the examples or they are full.
      const cluster = hint.cluster as Cluster;
      cluster.count++;
      cluster.lastSeen = tick;
      return { clusterId: cluster.id, template: cluster.template, params: hint.params.slice(), changed: false };
    }
    const leaf = this.findLeaf(tokens);
    const best = leaf?.clusters ? this.bestCluster(leaf.clusters, m) : null;
    let cluster: Cluster;
    let changed = false;
    if (best) {
      cluster = best;
      changed = generalise(cluster.tokens, tokens);
      if (changed) {
        cluster.template = cluster.tokens.join(' ');
        (cluster.leaf as TreeNode).version++;
      }
    } else {
      cluster = this.createCluster(tokens.slice());
      changed = true;
    }
    cluster.count++;
    cluster.lastSeen = tick;
    this.keepExample(cluster, message);
    if (this.clusters.size > this.options.maxClusters) this.evict();
    const params = extractParams(cluster.tokens, m);
    if (hint !== undefined) {
      // The state after this call: the message now matches `cluster` with similarity 1 and every
      // other cluster of the leaf stays below the threshold (or lost to it before), so until the
      // tree or this leaf changes, the lookup would give `cluster` again.
      const leaf = cluster.leaf;
      hint.drain = leaf === null ? null : this;
      hint.treeVersion = this.treeVersion;
      hint.leaf = leaf;
      hint.leafVersion = leaf === null ? -1 : leaf.version;
      hint.cluster = cluster;
      hint.params = params.slice();
    }
    return { clusterId: cluster.id, template: cluster.template, params, changed };
  }

  /** The cluster a message would join, without learning anything; null when it would start a new one. */
  match(message: string): DrainMatch | null {
    const m = maskMessage(message, this.options.maxTokens);
    const leaf = this.findLeaf(m.masked);
    const best = leaf?.clusters ? this.bestCluster(leaf.clusters, m) : null;
    if (!best) return null;
    return { clusterId: best.id, template: best.template, params: extractParams(best.tokens, m) };
  }

  /** One live template by id, or undefined once evicted. */
  get(id: string): TemplateInfo | undefined {
    const c = this.clusters.get(id);
    return c ? { id: c.id, template: c.template, count: c.count, examples: c.examples.slice() } : undefined;
  }

  /** Live templates in creation order. */
  templates(): TemplateInfo[] {
    const out: TemplateInfo[] = [];
    for (const c of this.clusters.values()) {
      out.push({ id: c.id, template: c.template, count: c.count, examples: c.examples.slice() });
    }
    return out;
  }

  get size(): number {
    return this.clusters.size;
  }

  state(): DrainState {
    const clusters: DrainClusterState[] = [];
    for (const c of this.clusters.values()) {
      clusters.push({
        id: c.id,
        tokens: c.tokens.slice(),
        count: c.count,
        examples: c.examples.slice(),
        lastSeen: c.lastSeen,
        path: c.path.slice(),
      });
    }
    return { version: 1, options: { ...this.options }, nextId: this.nextId, tick: this.tick, clusters };
  }

  /**
   * Rebuilds a miner that behaves exactly like the one that produced the state. The tree is not
   * stored: a node exists only while some cluster hangs under it (evict() prunes empty ones), and
   * leaves hold their clusters in creation order, so replaying the stored paths in creation order
   * recreates every node, child count and leaf order.
   */
  static restore(state: DrainState): Drain {
    if (state?.version !== 1) throw new Error(`unsupported Drain state version: ${String(state?.version)}`);
    const drain = new Drain(state.options);
    drain.nextId = state.nextId;
    drain.tick = state.tick;
    for (const s of state.clusters) {
      const cluster: Cluster = {
        id: s.id,
        tokens: s.tokens.slice(),
        template: s.tokens.join(' '),
        count: s.count,
        examples: s.examples.slice(),
        lastSeen: s.lastSeen,
        path: s.path.slice(),
        leaf: null,
      };
      drain.attach(cluster);
    }
    return drain;
  }

  /**
   * Take on `state` in place of this miner's own, so normalizers holding this object follow. Hints
   * made before refer to the old tree and are invalidated.
   */
  load(state: DrainState): void {
    const before = this.treeVersion;
    const fresh = Drain.restore(state);
    Object.assign(this, fresh);
    this.treeVersion = Math.max(before, fresh.treeVersion) + 1;
  }

  private findLeaf(tokens: string[]): TreeNode | null {
    let node: TreeNode | undefined = this.byLength.get(tokens.length);
    if (!node) return null;
    const levels = Math.min(this.options.depth - 2, tokens.length);
    for (let i = 0; i < levels; i++) {
      const children: Map<string, TreeNode> | null = node.children;
      if (!children) return null;
      const next: TreeNode | undefined = children.get(tokens[i] as string) ?? children.get(WILDCARD);
      if (!next) return null;
      node = next;
    }
    return node;
  }

  /**
   * Most similar cluster with similarity ≥ threshold. Similarity is computed over the constant
   * part of the message only: positions where the template has "<*>", or the same masked value
   * ("<IP>" against "<IP>"), are parameters on both sides and are left out, as the paper leaves
   * parameters out; every other position counts, matching when the literal tokens are equal. So
   * "connection from <IP> at Sun Jun ..." still joins its July siblings, while two messages that
   * share only their variables ("... from <IP>: <NUM>: Bye Bye [preauth]" against
   * "... disconnected by user") stay apart. Ties go to the cluster with more parameters (the
   * more general one), then to the older one.
   */
  private bestCluster(clusters: Cluster[], m: MaskedMessage): Cluster | null {
    const tokens = m.masked;
    const values = m.values;
    const n = tokens.length;
    let best: Cluster | null = null;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of clusters) {
      const t = c.tokens;
      let same = 0;
      let params = 0;
      for (let i = 0; i < n; i++) {
        const tt = t[i];
        if (tt === WILDCARD) params++;
        else if (tt === tokens[i]) {
          if ((values[i] as readonly string[]).length === 0) same++;
          else params++;
        }
      }
      const constant = n - params;
      const sim = constant === 0 ? 1 : same / constant;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best && bestSim >= this.options.similarity ? best : null;
  }

  private createCluster(tokens: string[]): Cluster {
    const id = `${this.options.idPrefix}${this.nextId++}`;
    // lastSeen is set by the caller right after; Infinity keeps it out of this leaf's eviction.
    const cluster: Cluster = { id, tokens, template: tokens.join(' '), count: 0, examples: [], lastSeen: Infinity, path: this.choosePath(tokens), leaf: null };
    const leaf = this.attach(cluster);
    if (leaf.length > this.options.maxClustersPerLeaf) {
      let oldest = leaf[0] as Cluster;
      for (const c of leaf) if (c.lastSeen < oldest.lastSeen) oldest = c;
      this.detach(oldest);
    }
    return cluster;
  }

  /**
   * Tree keys for a new cluster: tokens holding digits or placeholders go under "<*>" (the paper's
   * rule: they are likely parameters), and so does any token once a node is full, with one slot
   * kept free for "<*>" itself.
   */
  private choosePath(tokens: string[]): string[] {
    const path: string[] = [];
    let node = this.byLength.get(tokens.length);
    const levels = Math.min(this.options.depth - 2, tokens.length);
    for (let i = 0; i < levels; i++) {
      const t = tokens[i] as string;
      const children = node?.children;
      let key: string = WILDCARD;
      if (!isVariableToken(t)) {
        if (!children || children.has(t)) key = t;
        else if (children.size < this.options.maxChildren - (children.has(WILDCARD) ? 0 : 1)) key = t;
      }
      if (this.options.maxChildren === 1) key = WILDCARD;
      path.push(key);
      node = children?.get(key);
    }
    return path;
  }

  private attach(cluster: Cluster): Cluster[] {
    let node = this.byLength.get(cluster.tokens.length);
    if (!node) {
      node = { children: null, clusters: null, version: 0 };
      this.byLength.set(cluster.tokens.length, node);
      this.treeVersion++;
    }
    for (const key of cluster.path) {
      node.children ??= new Map();
      let next = node.children.get(key);
      if (!next) {
        next = { children: null, clusters: null, version: 0 };
        node.children.set(key, next);
        this.treeVersion++;
      }
      node = next;
    }
    const leaf = (node.clusters ??= []);
    leaf.push(cluster);
    node.version++;
    cluster.leaf = node;
    this.clusters.set(cluster.id, cluster);
    return leaf;
  }

  /**
   * Memory bound: when live clusters exceed maxClusters, the least recently matched ones are
   * dropped until 90% of the cap remains (batching keeps the sort off the per-line path). Their
   * ids are never reused; a message of an evicted template later starts a new cluster.
   */
  private evict(): void {
    const target = Math.max(1, Math.floor(this.options.maxClusters * 0.9));
    const byAge = [...this.clusters.values()].sort((a, b) => a.lastSeen - b.lastSeen);
    for (let k = 0; k < byAge.length - target; k++) this.detach(byAge[k] as Cluster);
  }

  private detach(cluster: Cluster): void {
    this.clusters.delete(cluster.id);
    const lengthNode = this.byLength.get(cluster.tokens.length);
    if (!lengthNode) return;
    const trail: TreeNode[] = [lengthNode];
    let node = lengthNode;
    for (const key of cluster.path) {
      const next = node.children?.get(key);
      if (!next) return;
      trail.push(next);
      node = next;
    }
    const list = node.clusters;
    node.version++;
    cluster.leaf = null;
    if (list) {
      const at = list.indexOf(cluster);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) node.clusters = null;
    }
    for (let d = trail.length - 1; d > 0; d--) {
      const n = trail[d] as TreeNode;
      if (n.clusters || (n.children && n.children.size > 0)) return;
      (trail[d - 1] as TreeNode).children?.delete(cluster.path[d - 1] as string);
      this.treeVersion++;
    }
    if (!lengthNode.clusters && (!lengthNode.children || lengthNode.children.size === 0)) {
      this.byLength.delete(cluster.tokens.length);
      this.treeVersion++;
    }
  }

  private keepExample(cluster: Cluster, message: string): void {
    const ex = cluster.examples;
    if (ex.length >= this.options.maxExamples) return;
    const sample = message.length > this.options.maxExampleLength ? message.slice(0, this.options.maxExampleLength) : message;
    if (!ex.includes(sample)) ex.push(sample);
  }
}

/** Turns every position where the message differs into "<*>"; true when anything changed. */
function generalise(template: string[], tokens: string[]): boolean {
  let changed = false;
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t !== WILDCARD && t !== tokens[i]) {
      template[i] = WILDCARD;
      changed = true;
    }
  }
  return changed;
}

function extractParams(template: string[], m: MaskedMessage): string[] {
  const params: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t === WILDCARD) params.push(m.tokens[i] as string);
    else if (t === m.masked[i]) {
      const v = m.values[i] as readonly string[];
      for (let k = 0; k < v.length; k++) params.push(v[k] as string);
    }
  }
  return params;
}
