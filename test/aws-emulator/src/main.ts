#!/usr/bin/env node
/** Standalone emulator for manual use: `pnpm emulator [--port N] [--host H] [--inspector-off]`. */
import { DEFAULT_ACCOUNTS, startEmulator } from './emulator.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = arg('port') ? Number(arg('port')) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`invalid --port ${arg('port')}\n`);
  process.exit(2);
}
const emulator = await startEmulator({
  port,
  host: arg('host') ?? '127.0.0.1',
  // On a laptop Inspector2 is on for every account unless asked otherwise, so scans work at once.
  inspectorEnabled: process.argv.includes('--inspector-off')
    ? []
    : [DEFAULT_ACCOUNTS.A.accountId, DEFAULT_ACCOUNTS.B.accountId],
});
const lines = [
  `AWS emulator listening on ${emulator.url}`,
  '',
  `  export AWS_ENDPOINT_URL=${emulator.url}`,
  '',
  ...emulator.accounts.flatMap((a) => [
    `account ${a.accountId}${a.arn ? ` (${a.arn})` : ''}`,
    `  AWS_ACCESS_KEY_ID=${a.accessKeyId}`,
    `  AWS_SECRET_ACCESS_KEY=${a.secretAccessKey}`,
  ]),
  '',
  'seed findings of an AMI (reported once a scan instance of it has been scanned):',
  `  curl -X POST ${emulator.url}/_emulator/findings -d '{"image_id":"ami-…","region":"us-east-1","findings":[{"vulnerability_id":"CVE-2026-0001","severity":"HIGH","package_name":"openssl","installed_version":"3.0.2","fixed_version":"3.0.3"}]}'`,
];
process.stdout.write(`${lines.join('\n')}\n`);

const stop = () => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
