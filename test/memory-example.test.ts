// `pnpm example memory` (examples/memory.ts): its numbers, counted by hand.
import { describe, expect, it } from 'vitest';
import { memoryReport } from '../examples/memory.js';

describe('the memory example', () => {
  it('prints the 2-layer net and the 100×4096 ReLU with hand-counted bytes', () => {
    const text = memoryReport();
    // Spiral: 300 points, 2 -> 100 -> 3. Loss: p [300, 3] = 7,200 B. Second Linear: h [300, 100] +
    // W2 [3, 100] + b2 [3] = (30,000 + 300 + 3)·8. ReLU: its input [300, 100]. First Linear: x [300, 2] +
    // W1 [100, 2] + b1 [100] = 900·8.
    expect(text).toMatch(/softmaxCrossEntropy\s+\[\]\s+-\s+7,200 B/);
    expect(text).toMatch(/linear\s+\[300, 3\]\s+2 \(Linear\)\s+242,424 B/);
    expect(text).toMatch(/relu\s+\[300, 100\]\s+1 \(ReLU\)\s+240,000 B/);
    expect(text).toMatch(/linear\s+\[300, 100\]\s+0 \(Linear\)\s+7,200 B/);
    expect(text).toMatch(/model\s+489,624 B/);
    expect(text).toContain('total kept alive by backward rules (shared storage once): 496,824 B');
    // 100×4096 ReLU: x, 3,276,800 B; the peak adds relu's output gradient and x's gradient.
    expect(text).toMatch(/relu\s+\[100, 4096\]\s+-\s+3,276,800 B \(3\.13 MiB\)/);
    expect(text).toContain('peak during backward (saved + gradients alive at the worst step): 9,830,400 B');
  });
});
