import type { Tensor } from 'tensorgrad';

/** One of the lecture's worked examples: a graph to trace, explain and draw. */
export interface LectureExample {
  /** What `pnpm example <name>` calls it. */
  name: string;
  title: string;
  /** What the example shows, printed before its transcript. */
  about: string;
  /** Builds the graph (fresh leaves each time) and returns its output. */
  build(): Tensor;
  /** Decimals on the diagram and in the transcript (the lecture prints two; ||Wx||² needs three). */
  decimals?: number;
}
