// The ports a real `node ingest/server.ts` bound, from what it announces once listening (its "dashboard:",
// "metrics:" and "read-only SQL" lines, at LOG_LEVEL info). A test starts it on port 0 and learns the
// port from here: a port picked free beforehand and handed to the process could be taken by another test's
// server before the ingest bound it, and the test then failed to start, or talked to that other server.
import type { ChildProcess } from 'node:child_process';

/** What the ingest announces with an address: the public port, the operations port, the SQL endpoint. */
export type Announced = 'dashboard' | 'metrics' | 'read-only SQL';

/** The port in the announcement of `what` in `output` (undefined until the ingest has written it). */
export function announcedPort(output: string, what: Announced): number | undefined {
  const host = String.raw`(?:\[[^\]]*\]|[^\s/:"\\]+)`;
  const pattern = new RegExp(`"msg":"${what}[^"]*?: https?://${host}:(\\d+)`);
  const port = pattern.exec(output)?.[1];
  return port === undefined ? undefined : Number(port);
}

/**
 * Watches the child's standard output from now on (call it right after spawn): the function it returns
 * resolves to the port `what` was announced with, and rejects, with the output, if the process exits first.
 */
export function announcements(child: ChildProcess): (what: Announced) => Promise<number> {
  let out = '';
  let all = ''; // both outputs, for the message when it ends first (its reason is on standard error)
  child.stdout?.on('data', (d) => {
    out += String(d);
    all += String(d);
  });
  child.stderr?.on('data', (d) => {
    all += String(d);
  });
  // 'close', not 'exit': by then all the process wrote has been read
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return (what) =>
    new Promise<number>((resolve, reject) => {
      const look = () => {
        const port = announcedPort(out, what);
        if (port === undefined) return false;
        child.stdout?.off('data', look);
        resolve(port);
        return true;
      };
      if (look()) return;
      child.stdout?.on('data', look);
      void exited.then((code) => {
        if (look()) return;
        reject(new Error(`the ingest exited (${code}) before announcing its ${what} address:\n${all}`));
      });
    });
}
