// The baseline: a bare Fastify 5 server with nothing but a JSON body parser and one POST route that answers
// what the ingest's /tr/v1/tr/ answers. The ingest's throughput is quoted as a ratio of this one's.
//   node bench/lib/bare-fastify.ts <port>
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/tr/v1/tr/', async () => ({ ok: true }));
app.post('/tr/v1/str/', async (req) => ({ n: Array.isArray(req.body) ? req.body.length : 1 }));
app.get('/ready', async () => ({ ready: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
