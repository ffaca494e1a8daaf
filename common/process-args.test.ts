import { describe, expect, it } from 'vitest';
import { helpText, type ProcessUsage, parseProcessArgs } from './process-args.ts';
import { StartupError } from './startup-error.ts';

const usage: ProcessUsage = {
  command: 'node x.ts',
  options: {
    config: { short: 'c', value: 'FILE', description: 'the configuration' },
    kubeconfig: { value: 'FILE', description: 'cluster credentials' },
  },
  notes: ['See the README.'],
};

describe('parseProcessArgs', () => {
  it.each([
    [[], { help: false, values: {} }],
    [['--config', 'a.yaml'], { help: false, values: { config: 'a.yaml' } }],
    [['-c', 'a.yaml', '--kubeconfig', 'k'], { help: false, values: { config: 'a.yaml', kubeconfig: 'k' } }],
    [['--help'], { help: true }],
    [['-h'], { help: true }],
    [['--config', 'a.yaml', '--help'], { help: true }],
  ])('%j', (argv, expected) => {
    expect(parseProcessArgs(usage, argv)).toEqual(expected);
  });

  it.each([[['--bogus']], [['extra']], [['--config']]])(
    '%j is a startup problem naming the usage',
    (argv) => {
      expect(() => parseProcessArgs(usage, argv)).toThrow(StartupError);
      expect(() => parseProcessArgs(usage, argv)).toThrow(
        /\(usage: node x\.ts \[--config FILE\] \[--kubeconfig FILE\]; --help lists the options\)$/,
      );
    },
  );
});

describe('helpText', () => {
  it('lists every option with its description, --help, then the notes', () => {
    expect(helpText(usage)).toBe(
      [
        'usage: node x.ts [--config FILE] [--kubeconfig FILE]',
        '',
        '  -c, --config FILE      the configuration',
        '      --kubeconfig FILE  cluster credentials',
        '  -h, --help             print this and exit',
        '',
        'See the README.',
        '',
      ].join('\n'),
    );
  });
});
