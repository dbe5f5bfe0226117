import { processError } from 'vitest/internal/browser';

/** The failure vitest would report for `check` (its message and the diff the reporter prints). */
export function failure(check: () => void): { message: string; diff: string } {
  try {
    check();
  } catch (error) {
    const processed = processError(error) as { message: string; diff?: string };
    // Colours off: the reporter's escapes are not part of what is compared.
    return { message: processed.message, diff: (processed.diff ?? '').replace(/\x1b\[[0-9;]*m/g, '') };
  }
  throw new Error('the expectation passed');
}
