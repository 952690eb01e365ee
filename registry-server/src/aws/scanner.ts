import type { EC2Client, Tag } from '@aws-sdk/client-ec2';
import type { Inspector2Client } from '@aws-sdk/client-inspector2';
import { isSeverity, type Severity } from '@cws/shared';
import type { AwsConfig } from '../config/config.js';
import { quietSdkNodeWarning } from '../config/env.js';
import { AwsCallError, classify } from './ec2.js';

type Sdk = { ec2: typeof import('@aws-sdk/client-ec2'); inspector: typeof import('@aws-sdk/client-inspector2') };
let sdk: Promise<Sdk> | null = null;
const loadSdk = (): Promise<Sdk> => {
  quietSdkNodeWarning();
  sdk ??= Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-inspector2')]).then(
    ([ec2, inspector]) => ({ ec2, inspector }),
  );
  return sdk;
};

export type { Severity };

/** One finding as the registry stores it, from either source. */
export interface ScannedFinding {
  vulnerability_id: string;
  severity: Severity;
  inspector_score: number | null;
  package_name: string | null;
  installed_version: string | null;
  fixed_version: string | null;
  fix_available: boolean;
  exploit_available: boolean | null;
  title: string;
  first_observed_at: Date | null;
}

export interface ScanInstance {
  instanceId: string;
  jobId: number | null;
  state: string;
}

const severityOf = (s: string | undefined): Severity => {
  const v = (s ?? '').toLowerCase();
  return isSeverity(v) ? v : 'informational';
};
/** "CVE-2026-1234 - openssl, libssl3" -> id and the first package (EC2 image findings name no package). */
function fromTitle(title: string): { id: string; pkg: string | null } {
  const id = /(CVE-\d{4}-\d+|GHSA(-[\w]{4}){3})/i.exec(title)?.[0]?.toUpperCase() ?? title.slice(0, 100);
  const pkg = / - ([^,\s]+)/.exec(title)?.[1] ?? null;
  return { id: id.startsWith('GHSA') ? `GHSA${id.slice(4).toLowerCase()}` : id, pkg };
}

export const SCAN_TAG = 'cws:scan';
export const SECURITY_GROUP_NAME = 'cws-scan-no-ingress';

/**
 * The registry's scanning calls, with its own credentials: EC2 GetImageFindings (the cheap path)
 * and the scan-instance path (a security group with no ingress, RunInstances with IMDSv2 and a
 * hard lifetime, Inspector2 ListCoverage/ListFindings, TerminateInstances). Errors are AwsCallError.
 */
export class Scanner {
  #ec2 = new Map<string, EC2Client>();
  #inspector = new Map<string, Inspector2Client>();

  constructor(private readonly aws: AwsConfig) {}

  #base(region: string) {
    const creds = this.aws.credentials;
    return {
      region,
      maxAttempts: 4,
      requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
      ...(this.aws.endpoint ? { endpoint: this.aws.endpoint } : {}),
      ...(creds ? { credentials: creds } : {}),
    };
  }

  async #clients(region: string) {
    const api = await loadSdk();
    let ec2 = this.#ec2.get(region);
    if (!ec2) {
      ec2 = new api.ec2.EC2Client(this.#base(region));
      this.#ec2.set(region, ec2);
    }
    let inspector = this.#inspector.get(region);
    if (!inspector) {
      inspector = new api.inspector.Inspector2Client(this.#base(region));
      this.#inspector.set(region, inspector);
    }
    return { api, ec2, inspector };
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AwsCallError) throw err;
      throw classify(err, what);
    }
  }

  /** EC2 GetImageFindings, every page: what Inspector already knows of the AMI (empty: not scanned). */
  async imageFindings(region: string, imageId: string): Promise<ScannedFinding[]> {
    const { api, ec2 } = await this.#clients(region);
    const out: ScannedFinding[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('GetImageFindings', () =>
        ec2.send(new api.ec2.GetImageFindingsCommand({ ImageId: imageId, MaxResults: 1000, NextToken: token })),
      );
      for (const f of page.ImageFindings ?? []) {
        const { id, pkg } = fromTitle(f.Title ?? '');
        out.push({
          vulnerability_id: id,
          severity: severityOf(f.SeverityLabel),
          inspector_score: f.Score ?? null,
          package_name: pkg,
          installed_version: null,
          fixed_version: null,
          fix_available: f.FixAvailable ?? false,
          exploit_available: null,
          title: f.Title ?? id,
          first_observed_at: f.FirstObservedAt ?? null,
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** Inspector2 EC2 scanning in the registry's account and region: ENABLED, DISABLED, ENABLING … */
  async inspectorStatus(region: string): Promise<string> {
    const { api, inspector } = await this.#clients(region);
    const r = await this.#call('BatchGetAccountStatus', () =>
      inspector.send(new api.inspector.BatchGetAccountStatusCommand({})),
    );
    return r.accounts?.[0]?.resourceState?.ec2?.status ?? 'DISABLED';
  }

  async enableInspector(region: string): Promise<void> {
    const { api, inspector } = await this.#clients(region);
    await this.#call('Enable', () => inspector.send(new api.inspector.EnableCommand({ resourceTypes: ['EC2'] })));
  }

  /** The security group scan instances run in: no ingress rule at all (made once per VPC). */
  async securityGroup(region: string, subnetId: string | null): Promise<string> {
    const { api, ec2 } = await this.#clients(region);
    const subnets = await this.#call('DescribeSubnets', () =>
      ec2.send(new api.ec2.DescribeSubnetsCommand(subnetId ? { SubnetIds: [subnetId] } : {})),
    );
    const vpcId = subnets.Subnets?.find((s) => !subnetId || s.SubnetId === subnetId)?.VpcId;
    if (!vpcId) throw new AwsCallError('other', 'InvalidSubnetID.NotFound', `no subnet ${subnetId ?? '(default)'}`);
    const found = await this.#call('DescribeSecurityGroups', () =>
      ec2.send(
        new api.ec2.DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'group-name', Values: [SECURITY_GROUP_NAME] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        }),
      ),
    );
    const existing = found.SecurityGroups?.[0]?.GroupId;
    if (existing) return existing;
    const made = await this.#call('CreateSecurityGroup', () =>
      ec2.send(
        new api.ec2.CreateSecurityGroupCommand({
          GroupName: SECURITY_GROUP_NAME,
          Description: 'cws registry scan instances: no inbound traffic',
          VpcId: vpcId,
        }),
      ),
    );
    return made.GroupId!;
  }

  /**
   * A short-lived scan instance of the AMI: no ingress, IMDSv2 only, terminates itself at its
   * lifetime (shutdown with terminate behaviour), tagged with the job that owns it.
   */
  async launch(
    region: string,
    o: {
      imageId: string;
      instanceType: string;
      subnetId: string | null;
      securityGroupId: string;
      jobId: number;
      attempt: number;
      lifetimeSeconds: number;
    },
  ): Promise<string> {
    const { api, ec2 } = await this.#clients(region);
    const minutes = Math.max(1, Math.ceil(o.lifetimeSeconds / 60));
    const tags: Tag[] = [
      { Key: SCAN_TAG, Value: String(o.jobId) },
      { Key: 'Name', Value: `cws-scan-${o.jobId}` },
      { Key: 'cws:scan-expires', Value: new Date(Date.now() + o.lifetimeSeconds * 1000).toISOString() },
    ];
    const r = await this.#call('RunInstances', () =>
      ec2.send(
        new api.ec2.RunInstancesCommand({
          ImageId: o.imageId,
          InstanceType: o.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          ...(o.subnetId ? { SubnetId: o.subnetId } : {}),
          SecurityGroupIds: [o.securityGroupId],
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
          InstanceInitiatedShutdownBehavior: 'terminate',
          // The hard lifetime, inside the instance too: it powers off (and so terminates) on its own.
          UserData: Buffer.from(`#!/bin/sh\nshutdown -P +${minutes}\n`).toString('base64'),
          ClientToken: `cws-scan-${o.jobId}-${o.attempt}`,
          TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
        }),
      ),
    );
    return r.Instances![0]!.InstanceId!;
  }

  /** Inspector's coverage of one instance: null until it is covered. */
  async coverage(region: string, instanceId: string): Promise<{ statusCode: string; reason: string } | null> {
    const { api, inspector } = await this.#clients(region);
    const r = await this.#call('ListCoverage', () =>
      inspector.send(
        new api.inspector.ListCoverageCommand({
          filterCriteria: { resourceId: [{ comparison: 'EQUALS', value: instanceId }] },
        }),
      ),
    );
    const s = r.coveredResources?.[0]?.scanStatus;
    return s ? { statusCode: s.statusCode ?? 'ACTIVE', reason: s.reason ?? '' } : null;
  }

  /** Inspector2 ListFindings of the scan instance and its AMI, every page. */
  async instanceFindings(region: string, instanceId: string, imageId: string): Promise<ScannedFinding[]> {
    const { api, inspector } = await this.#clients(region);
    const out: ScannedFinding[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('ListFindings', () =>
        inspector.send(
          new api.inspector.ListFindingsCommand({
            filterCriteria: {
              resourceId: [{ comparison: 'EQUALS', value: instanceId }],
              ec2InstanceImageId: [{ comparison: 'EQUALS', value: imageId }],
              findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
            },
            maxResults: 100,
            nextToken: token,
          }),
        ),
      );
      for (const f of page.findings ?? []) {
        const d = f.packageVulnerabilityDetails;
        const pkg = d?.vulnerablePackages?.[0];
        const id = d?.vulnerabilityId ?? fromTitle(f.title ?? '').id;
        out.push({
          vulnerability_id: id,
          severity: severityOf(f.severity === 'UNTRIAGED' ? 'informational' : f.severity),
          inspector_score: f.inspectorScore ?? null,
          package_name: pkg?.name ?? null,
          installed_version: pkg?.version ?? null,
          fixed_version: pkg?.fixedInVersion && pkg.fixedInVersion !== 'NotAvailable' ? pkg.fixedInVersion : null,
          fix_available: f.fixAvailable === 'YES' || f.fixAvailable === 'PARTIAL',
          exploit_available: f.exploitAvailable ? f.exploitAvailable === 'YES' : null,
          title: f.title ?? id,
          first_observed_at: f.firstObservedAt ?? null,
        });
      }
      token = page.nextToken;
    } while (token);
    return out;
  }

  async terminate(region: string, instanceIds: string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    const { api, ec2 } = await this.#clients(region);
    await this.#call('TerminateInstances', () =>
      ec2.send(new api.ec2.TerminateInstancesCommand({ InstanceIds: instanceIds })),
    );
  }

  /** Scan instances not yet terminated in a region (tagged cws:scan), with the job that owns each. */
  async scanInstances(region: string): Promise<ScanInstance[]> {
    const { api, ec2 } = await this.#clients(region);
    const out: ScanInstance[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('DescribeInstances', () =>
        ec2.send(
          new api.ec2.DescribeInstancesCommand({
            Filters: [
              { Name: 'tag-key', Values: [SCAN_TAG] },
              { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
            ],
            NextToken: token,
          }),
        ),
      );
      for (const res of page.Reservations ?? []) {
        for (const i of res.Instances ?? []) {
          const tag = i.Tags?.find((t) => t.Key === SCAN_TAG)?.Value;
          out.push({
            instanceId: i.InstanceId!,
            jobId: tag && /^\d+$/.test(tag) ? Number(tag) : null,
            state: i.State?.Name ?? 'unknown',
          });
        }
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  close(): void {
    for (const c of this.#ec2.values()) c.destroy();
    for (const c of this.#inspector.values()) c.destroy();
  }
}
