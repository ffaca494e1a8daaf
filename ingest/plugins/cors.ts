// CORS from configuration: never "*" together with credentials (browsers refuse it, and the config loader
// rejects it), and Content-Type is an allowed header so browsers can POST JSON without faking text/plain.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';

export async function registerCors(app: FastifyInstance, config: Config): Promise<void> {
  const origins = config.cors.origins;
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    credentials: config.cors.credentials,
    allowedHeaders: ['Content-Type', 'Authorization', 'Accept', 'User'],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    maxAge: 86_400,
  });
}
