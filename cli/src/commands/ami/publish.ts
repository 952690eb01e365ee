import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../../base-command.js';
import type { PublishResult } from '../../lib/publish/publish.js';

export default class AmiPublish extends CwsCommand<PublishResult> {
  static override summary = 'Publish an image to a registry, proving it is yours, so others can find and launch it';
  static override description =
    `SOURCE is a template with ami_mappings (e.g. one written by cws save), an instance you launched (it is saved first), or an image id (with --region).

Before anything changes, cws proves your AWS account to the registry (a signed sts:GetCallerIdentity; no password or key leaves your machine) and checks every image: yours, available, EBS-backed, shareable (encrypted volumes and product codes cannot be public; EC2's image block public access must be off). Then it grants launch permission in every region (--public, or --share-with accounts; a private image is also shared with the registry's own account so it can verify it), warns when snapshots are not shared (others could not copy the image to another region; --share-snapshots shares them), registers the version and asks the registry to verify it. Publishing the same name again adds a version; the listing keeps its visibility, except that --public makes an unlisted or private listing public (and says so).

Before an image is shared outside your account with --public, a short-lived instance of it (IMDSv2, no key pair, terminated afterwards) is checked for authorized_keys and private keys in any home, AWS and other cloud credential files, shell histories, .netrc/.pgpass/git credentials, password login in sshd and user passwords, SSH host keys and cloud-init state baked in, and a build user (ssm-user) left behind. Each finding names the file and what to do, and stops the publish before anything is shared, unless --accept-risk "REASON" (the registry's audit log keeps the reason and the findings). --skip-hygiene skips the check; --hygiene runs it for --share-with too. The version records the outcome.

Exit codes: 0 published, 2 bad flags or image not shareable, 4 not found, 6 registry unusable, 7 not logged in or not your image, 8 AWS failure, 9 hygiene findings.`;
  static override examples = [
    '<%= config.bin %> ami publish my-custom-ml-env --name alice/ml-env --public --category machine-learning --description "JupyterLab with our kernels"',
    '<%= config.bin %> ami publish my-research --name alice/ml-env --version 1.1.0 --changelog "CUDA 12.4" --public',
    '<%= config.bin %> ami publish ami-0123456789abcdef0 --region us-east-1 --name alice/ml-env --template python-ml --share-with 123456789012,210987654321',
    '<%= config.bin %> ami publish my-custom-ml-env --name alice/ml-env --public --share-snapshots --registry campus --json',
    '<%= config.bin %> ami publish my-custom-ml-env --org physics --name physics/ml-env --share-with 123456789012',
    '<%= config.bin %> ami publish my-custom-ml-env --name alice/ml-env --public --accept-risk "the demo key in /home/ubuntu/.ssh is meant to be public"',
  ];
  static override args = {
    source: Args.string({
      description: 'a saved template, an instance name, or an image id (ami-...)',
      required: true,
    }),
  };
  static override flags = {
    name: Flags.string({
      description: 'the listing, OWNER/NAME (OWNER is your handle on the registry, or the organisation with --org)',
      required: true,
    }),
    org: Flags.string({
      description:
        'publish as this organisation (ORG/NAME; needs its publisher or admin role); without --public the listing is visible to its members only, and the image must be shared with their AWS accounts (--share-with ACCOUNT_IDS)',
    }),
    version: Flags.string({
      description: 'version to register [default: 1.0.0, or the latest with the patch number raised]',
    }),
    template: Flags.string({ description: "the template this image is for [default: the saved template's original]" }),
    category: Flags.string({ description: 'category, e.g. machine-learning' }),
    description: Flags.string({ description: 'what is in the image, for people browsing' }),
    changelog: Flags.string({ description: 'what changed in this version' }),
    public: Flags.boolean({
      description: 'let everyone launch it (public image, public listing)',
      exclusive: ['share-with'],
    }),
    'share-with': Flags.string({
      description: 'comma-separated AWS account ids that may launch it (unlisted listing)',
    }),
    'share-snapshots': Flags.boolean({
      description: 'also share the snapshots, so others can copy the image to other regions',
    }),
    region: Flags.string({ description: 'region of an image id SOURCE [default: AWS_REGION, the cws config]' }),
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
    'skip-hygiene': Flags.boolean({
      description: 'do not check the image for keys, credentials and histories before sharing it (recorded)',
    }),
    hygiene: Flags.boolean({
      description: 'run the hygiene check also for --share-with (it always runs for --public)',
    }),
    'accept-risk': Flags.string({
      description: 'publish despite hygiene findings, for this reason (kept in the registry audit log)',
    }),
    'instance-profile': Flags.string({
      description: 'instance profile for the hygiene-check instance [default: cws-ssm]',
    }),
  };

  async run(): Promise<PublishResult> {
    const { args, flags } = await this.parse(AmiPublish);
    const { publish } = await import('../../lib/publish/publish.js');
    const ctx = await this.context();
    const spinner = this.spinner(`Publishing ${flags.name}`);
    let r: PublishResult;
    try {
      r = await publish(
        ctx,
        {
          source: args.source,
          name: flags.name,
          version: flags.version,
          template: flags.template,
          category: flags.category,
          description: flags.description,
          changelog: flags.changelog,
          public: flags.public ?? false,
          shareWith: (flags['share-with'] ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          shareSnapshots: flags['share-snapshots'] ?? false,
          registry: flags.registry,
          org: flags.org,
          region: flags.region,
          skipHygiene: flags['skip-hygiene'] ?? false,
          hygiene: flags.hygiene ?? false,
          acceptRisk: flags['accept-risk'],
          instanceProfile: flags['instance-profile'],
        },
        (t) => spinner.update(t),
        (t) => {
          spinner.stop();
          this.note(t);
        },
      );
    } finally {
      spinner.stop();
    }
    for (const w of r.warnings) this.warn(w);
    this.log(
      `${r.action === 'published' ? 'Published' : 'Added version'} ${r.listing}@${r.version} on ${r.registry} (${r.visibility}, template ${r.template})`,
    );
    for (const reg of r.regions) {
      const v = r.verification?.regions.find((x) => x.region === reg.region && x.ami_id === reg.ami_id);
      this.log(`  ${reg.region}  ${reg.architecture}  ${reg.ami_id}  ${v ? v.verification.status : 'unverified'}`);
    }
    if (r.visibility_changed)
      this.log(`  visibility changed: ${r.visibility_changed.from} -> ${r.visibility_changed.to}`);
    if (r.verification_note) this.log(`  ${r.verification_note}`);
    if (r.template_file)
      this.log(`  template ${r.template} sent (${r.template_file}): cws template fetch ${r.listing}`);
    return r;
  }
}
