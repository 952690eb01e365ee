import { Flags, Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import AmiResolve from '../commands/ami/resolve.js';
import { parseLean } from './argv.js';
import { leanSpecOf } from './specs.js';

// oclif's own parse of `cws ami resolve ARGV` (the flags Command.parse hands it: the command's, and --json).
async function oclifParse(argv: string[]) {
  const { args, flags } = await Parser.parse(argv, {
    args: AmiResolve.args,
    flags: { ...AmiResolve.flags, json: Flags.boolean() },
    strict: true,
  });
  return { args, flags };
}

const spec = await leanSpecOf('ami:resolve', AmiResolve as never);

describe('the lean argv parser on cws ami resolve', () => {
  const taken = [
    ['python-ml', '--region', 'us-east-1', '--json'],
    ['python-ml', '--region=us-east-1'],
    ['--region', 'eu-west-1', 'python-ml', '--architecture', 'arm64', '--explain'],
    [
      'python-ml',
      '--no-cache',
      '--verified-only',
      '--min-rating',
      '4',
      '--max-severity',
      'high',
      '--severity-mode',
      'block',
      '--allow-unscanned',
    ],
    ['./my template.yml', '--no-allow-unscanned', '--channel', 'beta', '--registry-timeout', '3', '--allow-copy'],
    ['python-ml', '--strategy', 'ami_required', '--revoked-lineage', 'block', '--cache', '--json'],
    ['python-ml', '--min-rating', 'x4'],
  ];
  it.each(taken)('parses %j as oclif does', async (...argv) => {
    const lean = parseLean(spec, argv);
    expect(lean).not.toBeNull();
    expect(lean).toEqual(await oclifParse(argv));
  });

  // Each of these is oclif's to answer (help, an error in its words) or to parse in ways the lean path does not.
  const left = [
    [],
    ['python-ml', 'extra'],
    ['python-ml', '--architecture', 'sparc'],
    ['python-ml', '--bogus'],
    ['python-ml', '--help'],
    ['-h'],
    ['python-ml', '--region'],
    ['python-ml', '--region', '--json'],
    ['python-ml', '--region', 'a', '--region', 'b'],
    ['python-ml', '--json', '--json'],
    ['python-ml', '--cache', '--no-cache'],
    ['python-ml', '--', '--json'],
    ['python-ml', '--explain=true'],
    ['python-ml', '--no-explain'],
    ['python-ml', '--region='],
  ];
  it.each(left)('leaves %j to oclif', (...argv) => {
    expect(parseLean(spec, argv)).toBeNull();
  });

  it('knows every flag of the command, and --json', () => {
    expect(Object.keys(spec.flags).sort()).toEqual([...Object.keys(AmiResolve.flags), 'json'].sort());
    expect(spec.args).toEqual([{ name: 'template', required: true }]);
  });

  it('refuses a command whose flags it cannot parse', async () => {
    await expect(leanSpecOf('x', { flags: { n: { type: 'option', char: 'n' } } })).rejects.toThrow(/--n uses char/);
    await expect(leanSpecOf('x', { flags: { n: { type: 'option', multiple: true } } })).rejects.toThrow(/multiple/);
    await expect(leanSpecOf('x', { strict: false })).rejects.toThrow(/not strict/);
  });
});
