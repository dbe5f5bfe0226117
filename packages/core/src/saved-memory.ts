import { ValueError, describeValue } from './errors.js';
import { scopeParent } from './modes.js';
import { Tensor } from './tensor.js';
import { topologicalOrder } from './graph.js';

/** One op of the graph and what its backward rule keeps alive. */
export interface SavedOp {
  readonly op: string;
  /** The op's result (the node's output tensor). */
  readonly output: Tensor;
  /** The tensors the rule saved (its `saved` list). */
  readonly saved: readonly Tensor[];
  /** Bytes of the storages behind them, each storage once (a view keeps its whole storage alive). */
  readonly bytes: number;
  /** The scope the op ran in (an nn Module, see withScope), or null. */
  readonly scope: unknown;
}

/** A scope's total: the storages saved by ops that ran in it or in a scope nested in it, each once. */
export interface SavedScope {
  readonly scope: unknown;
  /** From `names`, when given one for this scope. */
  readonly name: string | undefined;
  readonly bytes: number;
  /** How many ops ran directly in this scope (not in a nested one). */
  readonly ops: number;
}

export interface SavedMemoryReport {
  /** Every op behind the tensor, in the order backward runs them (output first). */
  readonly ops: readonly SavedOp[];
  /** Bytes of every storage some rule keeps alive, each counted once however many ops saved it. */
  readonly total: number;
  /** Per scope (outermost first, in order of first appearance); empty when no op ran in a scope. */
  readonly scopes: readonly SavedScope[];
  /**
   * The most memory a backward pass through this graph holds at once, as this engine runs it: every
   * saved storage (rules are released only once the pass ends) plus the gradients alive at the worst
   * step, the seed included: a tensor's gradient exists from the first rule that returns one for it
   * until its own rule has run; leaves keep theirs. (Transient sums at branches are not counted.)
   */
  readonly peak: number;
}

export interface SavedMemoryOptions {
  /** Names of scopes (a model's submodules by their dotted names, say), for the report. */
  names?: Iterable<readonly [string, unknown]>;
}

/**
 * What the backward pass from `root` keeps alive, op by op: the tensors each rule saved (with storage
 * shared between views or between ops counted once in the totals), totals per scope (per nn Module, a
 * module's including its submodules'), and the peak during a backward pass. Reads the graph only; a
 * released node has saved nothing. PyTorch counts the same tensors (saved_tensors); tensors alive for
 * other reasons (parameters, the inputs) are counted where a rule saved them, since the rule would keep
 * them alive on its own.
 */
export function savedMemory(root: Tensor, options: SavedMemoryOptions = {}): SavedMemoryReport {
  if (!(root instanceof Tensor)) throw new ValueError('savedMemory', `expected a Tensor, got ${describeValue(root)}`);
  const names = new Map<unknown, string>();
  if (options !== null && typeof options === 'object' && options.names !== undefined) for (const [name, scope] of options.names) if (!names.has(scope)) names.set(scope, name);
  // The graph output-first, each tensor before the tensors it was computed from.
  const order = topologicalOrder(root);

  const ops: SavedOp[] = [];
  const all = new Set<Float64Array>();
  const perScope = new Map<unknown, { storages: Set<Float64Array>; ops: number }>();
  const scopeEntry = (scope: unknown): { storages: Set<Float64Array>; ops: number } => {
    let entry = perScope.get(scope);
    if (entry === undefined) perScope.set(scope, (entry = { storages: new Set(), ops: 0 }));
    return entry;
  };
  const storages: Set<Float64Array>[] = [];
  for (const t of order) {
    const node = t._node;
    if (node === null) continue;
    const saved = node.saved.map((s) => s.tensor);
    const own = new Set(saved.map((s) => s.nd.data));
    let bytes = 0;
    for (const data of own) bytes += data.byteLength;
    ops.push({ op: node.op, output: t, saved, bytes, scope: node.scope });
    storages.push(own);
    for (const data of own) all.add(data);
  }
  // Scopes in the order the forward pass entered them (the reverse of backward's).
  for (let i = ops.length - 1; i >= 0; i--) {
    const scope = ops[i]!.scope;
    if (scope === null) continue;
    scopeEntry(scope).ops++;
    // The op's storages count for its scope and every scope enclosing it.
    for (let s: unknown = scope; s !== null; s = scopeParent(s)) for (const data of storages[i]!) scopeEntry(s).storages.add(data);
  }
  let total = 0;
  for (const data of all) total += data.byteLength;

  // Gradients alive during the walk: the seed, then each input's on its first arrival, until its rule ran.
  let alive = root.size * 8;
  let most = alive;
  const arrived = new Set<Tensor>([root]);
  for (const t of order) {
    const node = t._node;
    if (node === null) continue;
    for (const input of node.inputs) {
      if (!input.requiresGrad || arrived.has(input)) continue;
      arrived.add(input);
      alive += input.size * 8;
    }
    most = Math.max(most, alive);
    alive -= t.size * 8;
  }

  // Outermost scopes first, then each in order of first appearance.
  const depth = (scope: unknown): number => {
    let d = 0;
    for (let s = scopeParent(scope); s !== null; s = scopeParent(s)) d++;
    return d;
  };
  const scopes = [...perScope.entries()]
    .map(([scope, entry], index) => ({ scope, entry, index, depth: depth(scope) }))
    .sort((a, b) => a.depth - b.depth || a.index - b.index)
    .map(({ scope, entry }) => {
      let bytes = 0;
      for (const data of entry.storages) bytes += data.byteLength;
      return { scope, name: names.get(scope), bytes, ops: entry.ops };
    });
  return { ops, total, scopes, peak: total + most };
}
