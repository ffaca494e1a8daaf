// The start-up steps that read configured files (the hash key, the API key file, the TLS pair, the GeoIP
// file, the erasure journal under server.stateDir): a failure is said as the coded start-up error of the
// file, a refused data directory, or a configuration error naming the key, never as a bare exception.

import { ConfigError } from '../common/config/problems.ts';
import { StartupError } from '../common/startup-error.ts';
import type { Config } from './config.ts';
import { fileFailure, generatedKeyFailure, generatedKeyNotWritten, isCodedFileKey } from './config-files.ts';
import { dataDirRefused } from './data-dirs.ts';
import { type EraseJournal, openEraseJournal } from './erasure/index.ts';
import { GeoIpFileError } from './geoip/geoip.ts';
import { GeneratedKeyWriteError, generatedKeyPath } from './privacy/hash.ts';

/**
 * Runs a start-up step that reads a configured file; a failure is a configuration error naming the key,
 * unless the file has codes of its own (config-files.ts: the GeoIP file, the TLS pair, the hash key: a
 * directory, a file the process may not read, a hash key too short) or is a GeoIP file that cannot be used
 * (GEOIP_FILE_INCOMPLETE, _INVALID, _CHANGING, the code the runtime's warning for the same file carries): as
 * a configuration error each was STARTUP_INVALID, and a pipeline matching their codes missed the start
 * that failed on one.
 */
export async function fromFile<T>(config: Config, key: string, load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const message = `${key}: ${(err as Error).message}`;
    if (err instanceof GeoIpFileError) throw new StartupError(message, { code: err.code, cause: err });
    if (err instanceof StartupError) throw err;
    throw (
      dataDirRefused(config, err) ??
      codedFileFailure(config, key, err) ??
      new ConfigError('configuration', [message])
    );
  }
}

/** The failure of a step reading a configured file with codes of its own, as its coded start-up error. */
function codedFileFailure(config: Config, key: string, err: unknown): StartupError | undefined {
  const paths: Record<string, string | undefined> = {
    'geoip.file': config.geoip.file,
    'privacy.hashKeyFile': config.privacy.hashKeyFile,
  };
  const path = paths[key];
  if (key === 'privacy.hashKeyFile' && path === undefined) {
    const generated = generatedKeyPath(config.server.stateDir);
    if (err instanceof GeneratedKeyWriteError) return generatedKeyNotWritten(generated, err);
    return generatedKeyFailure(generated, err);
  }
  return path === undefined || !isCodedFileKey(key) ? undefined : fileFailure(key, path, err);
}

/**
 * The erasure journal: files under server.stateDir (a read-only or full one is said as such, any other
 * failure is a configuration error naming the key), or on the JetStream spool a KV bucket next to the
 * stream (NATS away at start fails the start, as it fails the spool's open).
 */
export function openJournal(config: Config): Promise<EraseJournal> {
  const where = { stateDir: config.server.stateDir, spool: config.spool };
  if (config.spool.kind === 'nats') return openEraseJournal(where);
  return fromFile(config, 'server.stateDir', () => openEraseJournal(where));
}
