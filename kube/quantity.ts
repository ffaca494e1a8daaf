// Kubernetes storage quantities → bytes, enough to compare PVC sizes (binary and decimal suffixes,
// plain numbers, exponents). Anything else is an error naming the value.
const suffixes: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
};

export function quantityBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]{0,2})$/.exec(value.trim());
  const factor = match ? suffixes[match[2] ?? ''] : undefined;
  if (!match || factor === undefined) throw new Error(`parse quantity ${value}: not a Kubernetes quantity`);
  return Number(match[1]) * factor;
}
