export { toDot, VALUE_COLOR, GRADIENT_COLOR, type DotOptions } from './dot.js';
export { renderSvg, renderPng, dotToSvg, svgToPng, type PngOptions } from './render.js';
export { traceBackward, lastTrace, type BackwardTrace, type TraceStep, type TraceOptions } from './trace.js';
export { explainBackward, type ExplainOptions } from './explain.js';
export { formatNumber, formatValue, formatValueLines, type ValueFormat } from './values.js';
export { collectGraph, type GraphView, type Use } from './graph.js';
