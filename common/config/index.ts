export * from './datapath.ts';
export * from './ingest.ts';
