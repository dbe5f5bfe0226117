/**
 * An options argument, checked by core's checkOptions against the keys `op` takes: undefined or null
 * mean the defaults; a non-object, an unknown key (with the closest known one suggested) or a flag that
 * is not a boolean is a ValueError naming the op.
 */
export { checkOptions, type OptionSpec } from '@tensorgrad/core';
