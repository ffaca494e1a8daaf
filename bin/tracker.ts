#!/usr/bin/env node
// Entry point of the `tracker` CLI (package.json "bin"); wiring only, see cli/program.ts.
import { main } from '../cli/program.ts';

// `tracker render ... | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv);
