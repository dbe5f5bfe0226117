import { branches } from './branches.js';
import { circuit } from './circuit.js';
import { l2 } from './l2.js';
import { maxGate } from './max.js';
import { neuron, sigmoidNeuron } from './neuron.js';
import type { LectureExample } from './example.js';

export type { LectureExample } from './example.js';

/** The lecture's worked examples, in the order the lecture gives them. */
export const examples: readonly LectureExample[] = [circuit, maxGate, neuron, sigmoidNeuron, l2, branches];
