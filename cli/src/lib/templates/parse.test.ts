import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES_DIR } from './catalog.js';
import { parseTemplate, TemplateError } from './parse.js';
import { durationSeconds } from './schema.js';

function issues(text: string) {
  try {
    parseTemplate(text, 'test.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as TemplateError).issues.map((i) => `${i.line}:${i.column} ${i.field}: ${i.message}`);
  }
  throw new Error('expected the template to be invalid');
}

describe('parseTemplate', () => {
  it('fills defaults for a minimal template', () => {
    const t = parseTemplate('name: tiny\n', 'tiny.yml');
    expect(t).toMatchObject({
      name: 'tiny',
      base_image: 'ubuntu-24.04',
      architectures: ['x86_64'],
      ports: [22],
      ami_config: { strategy: 'ami_preferred', fallback_strategy: 'script', allow_cross_region_copy: false },
    });
  });

  it('reads the seed 003/004 shape', () => {
    const t = parseTemplate(
      `name: r-research
display_name: "R Research Environment"
description: "R + RStudio Server + tidyverse packages"
base_image: ubuntu-24.04
architectures: ["x86_64", "arm64"]
regions: ["us-east-1", "us-east-2"]
ami_config:
  strategy: ami_required
  ami_mappings:
    us-east-1: { x86_64: ami-02029c87fa31fb148, arm64: ami-050499786ebf55a6a }
  ami_search: { owner: [self, "123456789012"], name_pattern: "cws-r-*" }
  fallback_strategy: fail
  fallback_timeout: 20m
  preferred_architecture: arm64
setup_script: |
  #!/bin/bash
  apt-get install -y r-base
validation_tests:
  - name: "RStudio Server running"
    command: "systemctl is-active rstudio-server"
    expected: "active"
ports: [22, 8787]
estimated_cost_per_hour: { x86_64: 0.0464, arm64: 0.0368 }
`,
      'r.yml',
    );
    expect(t.ami_config.ami_mappings?.['us-east-1']?.arm64).toBe('ami-050499786ebf55a6a');
    expect(t.ami_config.ami_search?.owner).toEqual(['self', '123456789012']);
    expect(t.estimated_cost_per_hour).toEqual({ x86_64: 0.0464, arm64: 0.0368 });
  });

  it('names the line, column and field of each problem', () => {
    expect(
      issues(`name: ok
ami_config:
  ami_search:
    owner: "12345"
    name_pattern: x
  ami_mappings:
    us-east-9x: { x86_64: ami-12345678 }
ports: [22, "ssh"]
`),
    ).toEqual([
      '4:5 ami_config.ami_search.owner: must be a 12-digit AWS account id, or self, amazon, aws-marketplace or canonical',
      '7:5 ami_config.ami_mappings.us-east-9x: must be an AWS region name such as us-east-1',
      '8:13 ports.1: Invalid input: expected number, received string',
    ]);
  });

  it('reports a missing required field at its parent, and unknown fields where they are written', () => {
    expect(issues('description: no name\nfallback_strategy: script\n')).toEqual([
      '1:1 name: is required (string)',
      '2:1 fallback_strategy: unknown field',
    ]);
  });

  it('refuses an image search without an owner: never "newest of anyone"', () => {
    expect(issues('name: x\nami_config:\n  ami_search:\n    name_pattern: "ubuntu/*"\n')).toEqual([
      '3:3 ami_config.ami_search.owner: is required: name the account(s) whose images to trust',
    ]);
  });

  it('checks architectures across fields', () => {
    expect(
      issues(
        'name: x\narchitectures: [x86_64]\nami_config:\n  preferred_architecture: arm64\n  ami_mappings:\n    us-east-1:\n      arm64: ami-12345678\n',
      ),
    ).toEqual([
      "4:3 ami_config.preferred_architecture: arm64 is not one of the template's architectures (x86_64)",
      "7:7 ami_config.ami_mappings.us-east-1.arm64: arm64 is not one of the template's architectures (x86_64)",
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(issues('name: x\nname: y\n')[0]).toMatch(/^2:1 : YAML syntax: Map keys must be unique/);
    expect(issues('- a\n- b\n')).toEqual(['1:1 : a template is a YAML mapping (name: ..., description: ...)']);
  });

  it('parses every built-in template', () => {
    const files = readdirSync(BUILTIN_TEMPLATES_DIR).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const t = parseTemplate(readFileSync(join(BUILTIN_TEMPLATES_DIR, f), 'utf8'), f);
      expect(`${t.name}.yml`).toBe(f);
    }
  });

  it('reads durations', () => {
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('20m')).toBe(1200);
    expect(durationSeconds('1.5h')).toBe(5400);
    expect(durationSeconds('soon')).toBeNaN();
  });
});
