import { topologicalOrder, type Tensor } from '@tensorgrad/core';

/** Where a tensor is used: the op's output and the input slot. */
export interface Use {
  readonly consumer: Tensor;
  readonly slot: number;
}

/** The graph behind one output, as far as the diagram and the transcript need it. */
export interface GraphView {
  readonly output: Tensor;
  /** Every tensor the output depends on, inputs before the ops that read them (forward order). */
  readonly tensors: readonly Tensor[];
  /** Each tensor's uses inside this graph (a tensor with two or more fans out). */
  readonly uses: ReadonlyMap<Tensor, readonly Use[]>;
  /** A readable name for every tensor: its own name (with a subscript, weight₁, weight₂, where several share it), else `out` for the output, `x1`, `x2`, ... for leaves and `t1`, ... for results. */
  readonly names: ReadonlyMap<Tensor, string>;
}

/**
 * Collects the graph behind `output` by walking `_node.inputs` with an explicit stack (no recursion: a
 * graph with a 100,000-op chain must not overflow). The graph's structure survives a backward pass
 * that released it: only the rules and saved tensors are dropped, the op names and inputs stay.
 */
export function collectGraph(output: Tensor): GraphView {
  // Inputs before the tensors computed from them, constants and data included (a diagram shows them).
  const order = topologicalOrder(output, true).reverse();
  const uses = new Map<Tensor, Use[]>();
  for (const t of order) uses.set(t, []);
  for (const t of order) {
    const inputs = t._node?.inputs ?? [];
    inputs.forEach((input, slot) => uses.get(input)!.push({ consumer: t, slot }));
  }
  const names = new Map<Tensor, string>();
  const taken = new Set(order.map((t) => t.name).filter((n): n is string => n !== undefined));
  // Two tensors with one name (the 'weight' of every nn.Linear) get subscripts in forward order: weight₁, weight₂.
  const count = new Map<string, number>();
  for (const t of order) if (t.name !== undefined) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  let leaves = 0;
  let results = 0;
  for (const t of order) {
    if (t.name !== undefined) {
      const k = (seen.get(t.name) ?? 0) + 1;
      seen.set(t.name, k);
      names.set(t, count.get(t.name)! > 1 ? `${t.name}${subscript(k)}` : t.name);
      continue;
    }
    if (t === output && !taken.has('out')) {
      names.set(t, 'out');
      continue;
    }
    let name: string;
    do name = t._node === null ? `x${++leaves}` : `t${++results}`;
    while (taken.has(name));
    names.set(t, name);
  }
  return { output, tensors: order, uses, names };
}

function subscript(k: number): string {
  return String(k).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
}

/** A scalar leaf without a name that needs no gradient: a literal such as the 1 in `x + 1`, drawn inside its gate. */
export function isFoldedConstant(t: Tensor): boolean {
  return t._node === null && !t.requiresGrad && t.size === 1 && t.name === undefined;
}
