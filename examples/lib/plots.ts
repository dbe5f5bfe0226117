// The pictures `pnpm train` writes: plain SVG written by hand (no dependencies).
import { fromData, noGrad } from '@tensorgrad/core';
import { predictClasses, type Dataset, type Sequential } from '@tensorgrad/nn';

const CLASS_FILL = ['#f4c7c3', '#c6dafc', '#c9e7c8', '#fde6b0', '#e1c8f0', '#b8e6e3'];
const CLASS_POINT = ['#d93025', '#1a73e8', '#188038', '#e37400', '#8e24aa', '#00897b'];

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

/** Round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
function ticks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Accuracy measured on held-out data after some steps (MNIST: after each epoch). */
export interface HeldOutPoints {
  /** The number of steps taken when it was measured. */
  steps: readonly number[];
  accuracies: readonly number[];
}

/**
 * Loss (left axis) and batch accuracy (right axis, dashed) per step; `noisy` adds a smoothed loss line;
 * `heldOut` marks held-out accuracies on the accuracy axis.
 */
export function lossCurveSvg(losses: Float64Array, accuracies: Float64Array, title: string, noisy = false, heldOut?: HeldOutPoints): string {
  const width = 720;
  const height = 420;
  const m = { left: 64, right: 64, top: 40, bottom: 52 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const steps = losses.length;
  let maxLoss = 0;
  for (const l of losses) if (Number.isFinite(l)) maxLoss = Math.max(maxLoss, l);
  const yTicks = ticks(0, maxLoss || 1);
  const tickStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  // The axis ends on a tick at or above the largest loss.
  if (yTicks[yTicks.length - 1]! < maxLoss) yTicks.push(Number((yTicks[yTicks.length - 1]! + tickStep).toPrecision(12)));
  const yMax = yTicks[yTicks.length - 1]! || 1;
  const xTicks = ticks(0, Math.max(steps - 1, 1));
  const px = (s: number): number => m.left + (w * s) / Math.max(steps - 1, 1);
  const py = (v: number): number => m.top + h - (h * v) / yMax;
  const pa = (a: number): number => m.top + h - h * a;
  // At most ~1000 vertices per line: every k-th step, plus the last one.
  const every = Math.max(1, Math.ceil(steps / 1000));
  // Minibatch losses are noisy: draw them faintly, with a moving average (EMA over ~50 steps) on top;
  // the accuracy line is averaged the same way. Bias-corrected (as in Adam) so the start does not lag.
  const smooth = (values: Float64Array): Float64Array => {
    const out = new Float64Array(values.length);
    let ema = 0;
    for (let s = 0; s < values.length; s++) {
      ema = 0.98 * ema + 0.02 * values[s]!;
      out[s] = ema / (1 - 0.98 ** (s + 1));
    }
    return out;
  };
  const smoothed = smooth(losses);
  const shownAccuracy = noisy ? smooth(accuracies) : accuracies;
  const lossPoints: string[] = [];
  const smoothPoints: string[] = [];
  const accuracyPoints: string[] = [];
  const sampled: number[] = [];
  for (let s = 0; s < steps; s += every) sampled.push(s);
  if (steps > 0 && sampled[sampled.length - 1] !== steps - 1) sampled.push(steps - 1);
  for (const s of sampled) {
    lossPoints.push(`${fmt(px(s))},${fmt(py(losses[s]!))}`);
    smoothPoints.push(`${fmt(px(s))},${fmt(py(smoothed[s]!))}`);
    accuracyPoints.push(`${fmt(px(s))},${fmt(pa(shownAccuracy[s]!))}`);
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${fmt(py(t))}" y2="${fmt(py(t))}" stroke="#e8e8e8"/>`);
    parts.push(`<text x="${m.left - 8}" y="${fmt(py(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const a of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<text x="${m.left + w + 8}" y="${fmt(pa(a) + 4)}" fill="#188038">${a * 100}%</text>`);
  for (const t of xTicks) {
    parts.push(`<line x1="${fmt(px(t))}" x2="${fmt(px(t))}" y1="${m.top + h}" y2="${m.top + h + 5}" stroke="#444"/>`);
    parts.push(`<text x="${fmt(px(t))}" y="${m.top + h + 19}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`,
    `<polyline fill="none" stroke="#188038" stroke-width="1.5" stroke-dasharray="5 3" points="${accuracyPoints.join(' ')}"/>`,
    ...(noisy
      ? [
          `<polyline fill="none" stroke="#9cc0f5" stroke-width="1" points="${lossPoints.join(' ')}"/>`,
          `<polyline fill="none" stroke="#1a73e8" stroke-width="2" points="${smoothPoints.join(' ')}"/>`,
        ]
      : [`<polyline fill="none" stroke="#1a73e8" stroke-width="2" points="${lossPoints.join(' ')}"/>`]),
    ...(heldOut === undefined ? [] : heldOutMarks(heldOut, (step) => px(step - 1), pa, m.left + w - 8, m.top + h / 2)),
    `<text x="${m.left + w / 2}" y="${height - 12}" text-anchor="middle">step</text>`,
    `<text transform="translate(18 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" fill="#1a73e8">loss</text>`,
    `<text transform="translate(${width - 14} ${m.top + h / 2}) rotate(90)" text-anchor="middle" fill="#188038">${noisy ? 'batch accuracy (moving average)' : 'accuracy'}</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

/** Held-out accuracies as dots joined by a line, each labelled, with a legend at (legendX, legendY), right-aligned. */
function heldOutMarks(points: HeldOutPoints, px: (step: number) => number, pa: (a: number) => number, legendX: number, legendY: number): string[] {
  const xy = points.steps.map((s, i) => [px(s), pa(points.accuracies[i]!)] as const);
  const out = [`<polyline fill="none" stroke="#0b5d1e" stroke-width="1.5" points="${xy.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ')}"/>`];
  xy.forEach(([x, y], i) => {
    out.push(`<circle cx="${fmt(x)}" cy="${fmt(y)}" r="4" fill="#0b5d1e"/>`);
    out.push(`<text x="${fmt(x - 6)}" y="${fmt(y + 16)}" text-anchor="end" fill="#0b5d1e">${(points.accuracies[i]! * 100).toFixed(1)}%</text>`);
  });
  out.push(`<text x="${legendX}" y="${legendY}" text-anchor="end" fill="#0b5d1e">● held-out accuracy</text>`);
  return out;
}

/**
 * The plane coloured by the class the model predicts (a grid of cells, merged into one rectangle per run
 * of equal cells along each row to keep the file small), with the training points on top.
 */
export function decisionBoundarySvg(model: Sequential, data: Dataset, title: string, resolution = 160): string {
  const size = 560;
  const top = 36;
  const lo = -1.15;
  const hi = 1.15;
  const cell = (hi - lo) / resolution;
  const grid = new Float64Array(resolution * resolution * 2);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const k = (r * resolution + c) * 2;
      grid[k] = lo + (c + 0.5) * cell; // x grows to the right
      grid[k + 1] = hi - (r + 0.5) * cell; // y grows upwards, rows go down
    }
  }
  const predicted = noGrad(() => predictClasses(model.forward(fromData(grid, [resolution * resolution, 2]))));
  const scale = size / (hi - lo);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + top}" viewBox="0 0 ${size} ${size + top}" font-family="sans-serif" font-size="13">`,
    `<rect width="${size}" height="${size + top}" fill="white"/>`,
    `<text x="${size / 2}" y="23" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<g shape-rendering="crispEdges">`,
  ];
  const px = size / resolution;
  for (let r = 0; r < resolution; r++) {
    let c = 0;
    while (c < resolution) {
      const cls = predicted[r * resolution + c]!;
      let end = c + 1;
      while (end < resolution && predicted[r * resolution + end] === cls) end++;
      // Rectangles overlap by a hair so that anti-aliasing leaves no seams.
      parts.push(`<rect x="${fmt(c * px)}" y="${fmt(top + r * px)}" width="${fmt((end - c) * px + 0.3)}" height="${fmt(px + 0.3)}" fill="${CLASS_FILL[cls % CLASS_FILL.length]}"/>`);
      c = end;
    }
  }
  parts.push('</g>');
  const x = data.x.data;
  for (let i = 0; i < data.y.length; i++) {
    const cx = (x[2 * i]! - lo) * scale;
    const cy = top + (hi - x[2 * i + 1]!) * scale;
    parts.push(`<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="4" fill="${CLASS_POINT[data.y[i]! % CLASS_POINT.length]}" stroke="#222" stroke-width="0.6"/>`);
  }
  parts.push(`<rect x="0" y="${top}" width="${size}" height="${size}" fill="none" stroke="#444"/>`, '</svg>');
  return parts.join('\n') + '\n';
}

/**
 * Digits as a grid of 28 x 28 grey images (ink dark on white), each with a caption; `pixels` holds 784
 * bytes per image, `indices` says which images to draw. Pixels are drawn as runs of equal grey along each
 * row (16 levels), gathered into one path per level, which keeps the file small.
 */
export function digitGridSvg(pixels: Uint8Array, indices: ArrayLike<number>, captions: readonly string[], title: string, columns = 10): string {
  const side = 28;
  const scale = 2;
  const cellW = side * scale + 16;
  const cellH = side * scale + 22;
  const top = 40;
  const rows = Math.ceil(indices.length / columns);
  const width = Math.max(columns * cellW + 16, 480);
  const height = top + Math.max(rows, 1) * cellH + 8;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  for (let k = 0; k < indices.length; k++) {
    const x0 = 8 + (k % columns) * cellW + 8;
    const y0 = top + Math.floor(k / columns) * cellH;
    const base = indices[k]! * side * side;
    parts.push(`<g transform="translate(${x0} ${y0}) scale(${scale})" shape-rendering="crispEdges">`, `<rect width="${side}" height="${side}" fill="white" stroke="#bbb" stroke-width="0.5"/>`);
    // One path per grey level, each run of that level a 1-pixel-high rectangle in it.
    const runs: string[] = new Array(16).fill('');
    for (let r = 0; r < side; r++) {
      let c = 0;
      while (c < side) {
        const level = pixels[base + r * side + c]! >> 4;
        let end = c + 1;
        while (end < side && pixels[base + r * side + end]! >> 4 === level) end++;
        if (level > 0) runs[level] += `M${c} ${r}h${end - c}v1h${c - end}z`;
        c = end;
      }
    }
    runs.forEach((d, level) => {
      const grey = 255 - level * 17;
      if (d !== '') parts.push(`<path fill="rgb(${grey},${grey},${grey})" d="${d}"/>`);
    });
    parts.push('</g>', `<text x="${x0 + (side * scale) / 2}" y="${y0 + side * scale + 15}" text-anchor="middle">${escapeXml(captions[k] ?? '')}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
