/**
 * The two live pictures of the training panel, drawn on canvases as the course's ConvNetJS demo draws
 * them: the decision regions under the data points, and the loss curve with the accuracy beside it.
 */
import type { Dataset } from 'tensorgrad';
import { CLASS_FILL, CLASS_POINT, EXTENT } from './colours.js';

/** Decision regions from `classes` (a grid × grid prediction, rows from the top), then the points. */
export function drawBoundary(canvas: HTMLCanvasElement, classes: Int32Array, grid: number, data: Dataset): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const cells = new ImageData(grid, grid);
  for (let i = 0; i < grid * grid; i++) {
    const [r, g, b] = CLASS_FILL[classes[i]! % CLASS_FILL.length]!;
    cells.data[4 * i] = r;
    cells.data[4 * i + 1] = g;
    cells.data[4 * i + 2] = b;
    cells.data[4 * i + 3] = 255;
  }
  // Scaled up through a small canvas: one grid cell per pixel, then stretched without smoothing.
  const small = new OffscreenCanvas(grid, grid);
  small.getContext('2d')!.putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, width, height);

  const x = data.x.data;
  const toPx = (v: number): number => ((v + EXTENT) / (2 * EXTENT)) * width;
  const toPy = (v: number): number => ((EXTENT - v) / (2 * EXTENT)) * height;
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#222';
  for (let i = 0; i < data.y.length; i++) {
    ctx.beginPath();
    ctx.arc(toPx(x[2 * i]!), toPy(x[2 * i + 1]!), 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_POINT[data.y[i]! % CLASS_POINT.length]!;
    ctx.fill();
    ctx.stroke();
  }
}

/** Loss per step (solid, left scale from 0) and accuracy (dashed, right scale 0-100%). */
export function drawLossCurve(canvas: HTMLCanvasElement, losses: readonly number[], accuracies: readonly number[]): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const m = { left: 44, right: 40, top: 12, bottom: 22 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '11px sans-serif';
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(m.left, m.top, w, h);
  const steps = losses.length;
  let maxLoss = 0;
  for (const l of losses) if (Number.isFinite(l)) maxLoss = Math.max(maxLoss, l);
  maxLoss = maxLoss > 0 ? maxLoss * 1.05 : 1;
  ctx.fillStyle = '#555';
  ctx.textAlign = 'right';
  for (const f of [0, 0.5, 1]) ctx.fillText((maxLoss * f).toFixed(2), m.left - 4, m.top + h - h * f + 4);
  ctx.textAlign = 'left';
  for (const f of [0, 0.5, 1]) ctx.fillText(`${Math.round(100 * f)}%`, m.left + w + 4, m.top + h - h * f + 4);
  ctx.textAlign = 'center';
  ctx.fillText(`step ${steps}`, m.left + w / 2, height - 6);
  if (steps === 0) return;
  const px = (s: number): number => m.left + (w * s) / Math.max(steps - 1, 1);
  // At most one vertex per pixel column.
  const every = Math.max(1, Math.floor(steps / w));
  const line = (values: readonly number[], y: (v: number) => number, colour: string, dash: number[]): void => {
    ctx.beginPath();
    ctx.setLineDash(dash);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    let started = false;
    for (let s = 0; s < steps; s += every) {
      const v = values[s]!;
      if (!Number.isFinite(v)) continue;
      if (started) ctx.lineTo(px(s), y(v));
      else ctx.moveTo(px(s), y(v));
      started = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(losses, (v) => m.top + h - (h * v) / maxLoss, '#d62728', []);
  line(accuracies, (a) => m.top + h - h * a, '#1a73e8', [4, 3]);
}
