import { ec2Images } from './ec2-images.js';
import { ec2Instances } from './ec2-instances.js';
import { ec2Sharing } from './ec2-sharing.js';
import { type AwsCredentials, type AwsGateway, toAwsError } from './gateway.js';
import { SdkClients } from './sdk-clients.js';
import { SsmOps } from './ssm-ops.js';

/**
 * The AWS gateway over the SDK v3, made once by the CLI's context (ctx.aws()). The calls live by service:
 * ec2-images.ts, ec2-sharing.ts, ec2-instances.ts, ssm-ops.ts (Run Command); the clients in sdk-clients.ts; the parameter store,
 * the region and the credentials here.
 */
export function createSdkGateway(): AwsGateway {
  const clients = new SdkClients();
  /** Run Command, over this gateway's SSM clients. */
  const runCommand = new SsmOps((region) => clients.ssm(region, 'change'));
  return {
    ...ec2Images(clients),
    ...ec2Instances(clients),
    ...ec2Sharing(clients),
    async getParameter(region: string, name: string): Promise<string | null> {
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      const client = await clients.ssm(region);
      try {
        const out = await client.send(new GetParameterCommand({ Name: name }));
        return out.Parameter?.Value ?? null;
      } catch (err) {
        if ((err as { name?: string }).name === 'ParameterNotFound') return null;
        throw toAwsError(err, 'ssm:GetParameter', region);
      }
    },

    async defaultRegion(): Promise<string | undefined> {
      try {
        const { EC2Client } = await import('@aws-sdk/client-ec2');
        const client = new EC2Client(clients.config(undefined, 'lookup'));
        const region = await client.config.region();
        client.destroy();
        return region || undefined;
      } catch {
        return undefined;
      }
    },

    async credentials(region: string): Promise<AwsCredentials> {
      const client = await clients.ec2(region);
      try {
        return await client.config.credentials();
      } catch (err) {
        throw toAwsError(err, 'sts:GetCallerIdentity', region);
      }
    },
    agentStatus: (region, instanceId) => runCommand.agentStatus(region, instanceId),
    waitForAgent: (region, instanceId, opts) => runCommand.waitForAgent(region, instanceId, opts),
    runScript: (region, instanceId, script, opts) => runCommand.runScript(region, instanceId, script, opts),
  };
}
