// Rate limits count an IPv6 client by its /64: counted per address, a client given a /64 (every home
// connection, every cloud VM) drew from a new full bucket with each request by changing its address.
// The real app and limiter over inject, each request from its own address.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { createDataPathDouble } from '../../testing/datapath-double.ts';
import { testDeps } from '../../testing/deps.ts';
import { rateLimitKey } from './key.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(await testDeps(createDataPathDouble(), { rateLimits: { perIpPerDay: 3 } }));
});
afterAll(() => app.close());

const track = (remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/tr/v1/str/', payload: { ename: 'x' }, remoteAddress });

describe('rate limits per client network', () => {
  it('every address of one IPv6 /64 draws from the same quota', async () => {
    const statuses = [];
    for (const address of [
      '2001:db8:1:2::1',
      '2001:db8:1:2::2',
      '2001:db8:1:2:abcd:1234:5678:9abc',
      '2001:db8:1:2:ffff::1',
    ])
      statuses.push((await track(address)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('another /64, and each IPv4 address, has its own', async () => {
    expect((await track('2001:db8:1:3::1')).statusCode).toBe(200);
    expect((await track('198.51.100.1')).statusCode).toBe(200);
    expect((await track('198.51.100.2')).statusCode).toBe(200);
  });

  it('names the /64 whatever the spelling', () => {
    expect(rateLimitKey('2001:DB8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:0:0:1::')).toBe('2001:db8:0:0::/64');
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('198.51.100.7')).toBe('198.51.100.7');
  });
});
