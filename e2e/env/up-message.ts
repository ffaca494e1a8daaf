// What `make env-up` prints once the environment answers: what to export to reach it, and where its
// components write their logs (the first place to look when a component misbehaves).

export interface UpSummary {
  readonly timings: Readonly<Record<string, number>>;
  readonly kubeconfig: string;
  readonly natsUrl?: string | undefined;
  /** The environment's directory: its state and every component's log (etcd.log, kube-apiserver.log, …). */
  readonly dir: string;
}

export function upMessage(env: UpSummary): string[] {
  return [
    `environment up (${JSON.stringify(env.timings)})`,
    `export KUBECONFIG=${env.kubeconfig}`,
    ...(env.natsUrl ? [`NATS: ${env.natsUrl}`] : []),
    `logs: ${env.dir} (etcd.log, kube-apiserver.log, …; \`make env-down\` removes them)`,
  ];
}
