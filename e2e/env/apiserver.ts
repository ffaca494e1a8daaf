// A real kube-apiserver (built from k8s.io/kubernetes) on etcd: RBAC on, static-token authentication,
// service-account signing keys generated at start, self-signed serving certificate, random port (a start
// whose port another process took is tried again on a fresh one).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { httpsGet } from './https.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startOnFreePorts } from './port-start.ts';
import { ManagedProcess, readyOrStopped } from './process.ts';
import { toolPath } from './tools.ts';
import { waitFor } from './wait.ts';

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** PEM of the CA that signed the serving certificate (trust this). */
  readonly caFile: string;
  /** Bearer token of `admin` (group system:masters). */
  readonly adminToken: string;
  /** Kubeconfig for the admin user. */
  readonly kubeconfig: string;
  readonly saPrivateKeyFile: string;
  readonly process: ManagedProcess;
  /** Stop and start again on the same port, data and keys (for watch-recovery tests). */
  restart(): Promise<void>;
}

export const SERVICE_CIDR = '10.96.0.0/16';

function writeKeys(dir: string): { pub: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pub = join(dir, 'sa.pub');
  const key = join(dir, 'sa.key');
  writeFileSync(pub, publicKey);
  writeFileSync(key, privateKey, { mode: 0o600 });
  return { pub, key };
}

function apiserverArgs(
  dir: string,
  port: number,
  etcd: string,
  keys: { pub: string; key: string },
): string[] {
  return [
    `--etcd-servers=${etcd}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--anonymous-auth=false',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${keys.pub}`,
    `--service-account-signing-key-file=${keys.key}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    // OwnerReferencesPermissionEnforcement, as hardened clusters (OpenShift) run it: setting an
    // ownerReference with blockOwnerDeletion needs update on the owner's finalizers, which the chart grants.
    '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,DefaultStorageClass,ResourceQuota,OwnerReferencesPermissionEnforcement',
    '--v=1',
  ];
}

export async function startApiServer(dir: string, etcd: string, detached = false): Promise<ApiServer> {
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  const keys = writeKeys(dir);
  return startOnFreePorts({
    what: 'kube-apiserver',
    ports: 1,
    start: ([port]) => startApiServerOn({ dir, etcd, detached, adminToken, keys }, port),
  });
}

interface ApiServerSetup {
  readonly dir: string;
  readonly etcd: string;
  readonly detached: boolean;
  readonly adminToken: string;
  readonly keys: { pub: string; key: string };
}

async function startApiServerOn(setup: ApiServerSetup, port: number): Promise<ApiServer> {
  const { dir, etcd, detached, adminToken, keys } = setup;
  const url = `https://127.0.0.1:${port}`;
  // With --cert-dir and no explicit cert, the apiserver writes a self-signed CA + serving cert bundle.
  const caFile = join(dir, 'certs', 'apiserver.crt');
  const start = () =>
    new ManagedProcess({
      name: 'kube-apiserver',
      command: toolPath('kube-apiserver'),
      args: apiserverArgs(dir, port, etcd, keys),
      logFile: join(dir, 'kube-apiserver.log'),
      detached,
    });
  let proc = start();
  const ready = async (p: ManagedProcess) => {
    await waitFor(
      async () => {
        const ca = await readFile(caFile, 'utf8');
        const res = await httpsGet(`${url}/readyz`, ca, adminToken);
        return res.status === 200;
      },
      { what: 'kube-apiserver /readyz', timeoutMs: 120_000, intervalMs: 200, abortIf: () => p.exited() },
    );
  };
  await readyOrStopped(proc, () => ready(proc));
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), {
    server: url,
    caFile,
    token: adminToken,
    user: 'admin',
  });
  const server: ApiServer = {
    url,
    port,
    caFile,
    adminToken,
    kubeconfig,
    saPrivateKeyFile: keys.key,
    get process() {
      return proc;
    },
    async restart() {
      await proc.stop();
      proc = start();
      await ready(proc);
    },
  };
  return server;
}
