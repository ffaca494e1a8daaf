// kube-controller-manager (garbage collector, Deployment → ReplicaSet → Pod, StatefulSet → Pod,
// service accounts, ...) and kube-scheduler against the test apiserver, both with the admin kubeconfig, and
// kwok. Each takes its port on the command line: started through startOnFreePorts, again on a fresh port when
// another process took it first.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiServer } from './apiserver.ts';
import { httpsGet } from './https.ts';
import { listening } from './listening.ts';
import { startOnFreePorts } from './port-start.ts';
import { ManagedProcess, readyOrStopped } from './process.ts';
import { kwokStages, toolPath } from './tools.ts';
import { waitFor } from './wait.ts';

/** Flags both control-plane components share: the admin kubeconfig for everything, secure serving on the
 * given loopback port, no leader election (one instance each). */
function componentArgs(api: ApiServer, port: number): string[] {
  return [
    `--kubeconfig=${api.kubeconfig}`,
    `--authentication-kubeconfig=${api.kubeconfig}`,
    `--authorization-kubeconfig=${api.kubeconfig}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
  ];
}

export function startControllerManager(dir: string, api: ApiServer, detached = false) {
  return startOnFreePorts({
    what: 'kube-controller-manager',
    ports: 1,
    start: ([port]) => startControllerManagerOn(dir, api, detached, port),
  });
}

async function startControllerManagerOn(dir: string, api: ApiServer, detached: boolean, port: number) {
  const proc = new ManagedProcess({
    name: 'kube-controller-manager',
    command: toolPath('kube-controller-manager'),
    args: [
      ...componentArgs(api, port),
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${api.saPrivateKeyFile}`,
      `--root-ca-file=${api.caFile}`,
      // No cloud: controllers that need one are off. The node lifecycle controller stays on: it lifts the
      // not-ready taint once kwok reports the fake Node Ready.
      '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service,-route,-persistentvolume-binder,-attachdetach,-persistentvolume-expander',
      // Tests must see GC, rollouts and HPA decisions promptly (the HPA default is a 15 s sync period).
      '--concurrent-gc-syncs=5',
      '--horizontal-pod-autoscaler-sync-period=1s',
      '--v=1',
    ],
    logFile: join(dir, 'kube-controller-manager.log'),
    detached,
  });
  // Ready when it has bound its port (a start whose port another process took dies of it, however soon the
  // ServiceAccount below is there) and the service-account controller has populated the default namespace
  // (proves it runs).
  await listening(proc, port);
  const caPem = await readFile(api.caFile, 'utf8');
  const sa = `${api.url}/api/v1/namespaces/default/serviceaccounts/default`;
  await readyOrStopped(proc, () =>
    waitFor(async () => (await httpsGet(sa, caPem, api.adminToken)).status === 200, {
      what: 'kube-controller-manager to create the default ServiceAccount',
      timeoutMs: 90_000,
      abortIf: () => proc.exited(),
    }),
  );
  return proc;
}

/** kube-scheduler, once it has bound its port. */
export function startScheduler(dir: string, api: ApiServer, detached = false) {
  return startOnFreePorts({
    what: 'kube-scheduler',
    ports: 1,
    start: ([port]) => {
      const proc = new ManagedProcess({
        name: 'kube-scheduler',
        command: toolPath('kube-scheduler'),
        args: [...componentArgs(api, port), '--v=1'],
        logFile: join(dir, 'kube-scheduler.log'),
        detached,
      });
      return listening(proc, port);
    },
  });
}

/**
 * kwok: a fake kubelet (named as such): it keeps fake Nodes Ready and moves Pods bound to them to
 * Running/Ready without containers. Stands in for the kubelet, which cannot run here.
 */
export function startKwok(dir: string, api: ApiServer, detached = false) {
  return startOnFreePorts({
    what: 'kwok',
    ports: 1,
    start: ([port]) => {
      const proc = new ManagedProcess({
        name: 'kwok',
        command: toolPath('kwok'),
        args: [
          `--kubeconfig=${api.kubeconfig}`,
          '--manage-all-nodes=false',
          '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
          `--config=${kwokStages()}`,
          '--node-lease-duration-seconds=40',
          '--cidr=10.244.0.0/16',
          '--node-ip=10.0.0.1',
          `--server-address=127.0.0.1:${port}`,
        ],
        logFile: join(dir, 'kwok.log'),
        detached,
      });
      return listening(proc, port);
    },
  });
}
