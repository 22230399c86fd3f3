import type fc from 'fast-check';

/**
 * The seed every property runs with, so that a run is the same on every machine; fast-check prints
 * the seed and the counterexample's path when a property fails. `MLTRAIL_PROPERTY_SEED` replaces it
 * (to explore other inputs or replay a failure), `MLTRAIL_PROPERTY_RUNS` replaces every numRuns
 * (for a longer soak run by hand).
 */
export const DEFAULT_PROPERTY_SEED = 20_240_602;

function wholeNumberFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got "${text}"`);
  return value;
}

/** fast-check parameters: the fixed seed and a bounded number of runs. */
export function propertyParameters<T>(numRuns: number): fc.Parameters<T> {
  return {
    seed: wholeNumberFromEnv('MLTRAIL_PROPERTY_SEED') ?? DEFAULT_PROPERTY_SEED,
    numRuns: wholeNumberFromEnv('MLTRAIL_PROPERTY_RUNS') ?? numRuns,
  };
}
