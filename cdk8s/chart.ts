// One cdk8s Chart per component: it synthesizes already-built objects (sorted keys, namespace applied), so
// the output is byte-for-byte stable. Shared by renderCluster (index.ts) and the schema Job (schema-job/).
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../kube/object.ts';

/** A cdk8s Chart holding already-built objects of one component. */
export class ComponentChart extends Chart {
  constructor(scope: Construct, id: string, namespace: string, objects: readonly KubeObject[]) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    for (const obj of objects) new ApiObject(this, `${obj.kind}-${obj.metadata.name}`, obj);
  }
}
