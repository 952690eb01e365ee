import type { AwsGateway } from '../aws/gateway.js';
import type { Progress } from '../instances/launch.js';
import type { Template } from '../templates/schema.js';

export interface TestResult {
  name: string;
  command: string;
  passed: boolean;
  /** Why it failed: exit code, timed out, output not as expected. */
  reason: string | null;
  exit_code: number;
  output: string;
  seconds: number;
}

export const DEFAULT_TEST_TIMEOUT_SECONDS = 300;

/** What the output must be for a test to pass (besides exit code 0). */
function judge(
  test: Template['validation_tests'][number],
  exit: number,
  stdout: string,
  timedOut: boolean,
  limit: number,
) {
  if (timedOut) return `timed out after ${limit} s`;
  if (exit !== 0) return `exit code ${exit}`;
  const out = stdout.trim();
  if (test.expected !== undefined && out !== test.expected.trim()) return `output was not "${test.expected.trim()}"`;
  if (test.expected_contains !== undefined && !out.includes(test.expected_contains))
    return `output does not contain "${test.expected_contains}"`;
  return null;
}

/** Runs each of the template's validation tests as its own command, with a time limit each. */
export async function runValidationTests(
  ssm: Pick<AwsGateway, 'runScript'>,
  region: string,
  instanceId: string,
  tests: Template['validation_tests'],
  opts: { timeoutSeconds: number; progress: Progress; signal?: AbortSignal | undefined },
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const [i, test] of tests.entries()) {
    opts.progress(`Validation test ${i + 1}/${tests.length}: ${test.name}`);
    const r = await ssm.runScript(region, instanceId, test.command, {
      timeoutSeconds: opts.timeoutSeconds,
      comment: `cws validation test: ${test.name}`,
      signal: opts.signal,
    });
    const reason = judge(test, r.exit_code, r.stdout, r.timed_out, opts.timeoutSeconds);
    const output = [r.stdout, r.stderr]
      .filter((s) => s.trim())
      .join('\n')
      .trimEnd();
    results.push({
      name: test.name,
      command: test.command,
      passed: reason === null,
      reason,
      exit_code: r.exit_code,
      output,
      seconds: r.seconds,
    });
  }
  return results;
}
