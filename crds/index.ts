// The TrackerCluster API in one import for the operator: constants, types, conditions, rules, parsing.
export * from './conditions.ts';
export { crdGeneratedPath, trackerClusterCrd, trackerClusterCrdYaml } from './crd.ts';
export { type CelRule, rules } from './rules.ts';
export * from './spec.ts';
export * from './status.ts';
export * from './trackercluster.ts';
export * from './validate.ts';
