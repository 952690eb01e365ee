#!/usr/bin/env node
/** Standalone emulator for manual use: `node test/aws-emulator/dist/main.js [--port N] [--host H]`. */
import { startEmulator } from './emulator.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = arg('port') ? Number(arg('port')) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`invalid --port ${arg('port')}\n`);
  process.exit(2);
}
const emulator = await startEmulator({ port, host: arg('host') ?? '127.0.0.1' });
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
