import { ConfigError } from '../../common/config/problems.ts';

/** The problems a configuration error lists (fails the test when `fn` throws anything else, or nothing). */
export const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};
