import { describe, expect, it } from 'vitest';
import { serverEnv } from './server.ts';

describe('the servers started by the bench', () => {
  it('do not inherit what would change what is measured', () => {
    const env = serverEnv({
      PATH: '/bin',
      LOG_LEVEL: 'debug',
      TRACKER_SPOOL__FSYNC: 'false',
      TRACKER_CONFIG: '/etc/tracker.json',
      NODE_OPTIONS: '--max-old-space-size=64',
    });
    expect(env).toEqual({ PATH: '/bin', LOG_LEVEL: 'debug' });
  });
});
