import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EventQueryError } from '../client/event-queries';
import { ConfigurationError } from '../lambda/core/errors';
import { type CliContext, processContext } from './cli-context';
import { runBackfill } from './commands/backfill';
import { runDetect } from './commands/detect';
import { runIngest } from './commands/ingest';
import { BUNDLED_SAMPLES_DIR, runLocal, runLocalStatus, runLocalStop } from './commands/local';
import { runQuery } from './commands/query';
import { runRedrive } from './commands/redrive';
import { runShow } from './commands/show';
import { runStats, STATS_GROUPS } from './commands/stats';
import { DEFAULT_DATA_DIR, DEFAULT_TABLE_NAME } from './event-store';
import { addOutputOptions, addSelectionOptions } from './query-options';
import { UsageError } from './usage-error';

/** Exit codes of the CLI. */
export const EXIT_CODES = { success: 0, failed: 1, usage: 2 } as const;

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_QUERY_LIMIT = 100;

function wholeNumber(min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) {
      throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    }
    return number;
  };
}

/** An http(s) URL, as endpoints and queue URLs are. */
function httpUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError(`"${value}" is not an http(s) URL`);
  }
  return value;
}

/** An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name>, or a local endpoint's. */
function queueUrl(value: string): string {
  httpUrl(value);
  if (new URL(value).pathname.split('/').filter(Boolean).length !== 2) {
    throw new InvalidArgumentError(
      `"${value}" is not a queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>)`,
    );
  }
  return value;
}

/** A folder that exists (or may be created): never a file. */
function folderPath(value: string): string {
  if (existsSync(value) && !statSync(value).isDirectory()) {
    throw new InvalidArgumentError(`${value} is a file, not a folder`);
  }
  return value;
}

/** A folder that exists. */
function existingFolder(value: string): string {
  if (!existsSync(value)) throw new InvalidArgumentError(`no such folder: ${value}`);
  return folderPath(value);
}

function addTableOptions(command: Command): Command {
  return command
    .option(
      '--table <name>',
      `events table; without --endpoint, the table in AWS (default: ${DEFAULT_TABLE_NAME} in the embedded store)`,
    )
    .option(
      '--endpoint <url>',
      'DynamoDB endpoint, e.g. http://127.0.0.1:8000 (default: the embedded store)',
      httpUrl,
    )
    .option('--data-dir <dir>', 'folder of the embedded DynamoDB Local', folderPath, DEFAULT_DATA_DIR)
    .option('--region <region>', 'AWS region (default: from the environment; us-east-1 for local endpoints)');
}

function packageVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/** The `mltrail` command and its subcommands; `setExitCode` receives each action's result. */
export function buildProgram(context: CliContext, setExitCode: (code: number) => void): Command {
  const program = new Command('mltrail')
    .description('An audit trail of the API calls made to AWS machine-learning services')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    // Needed for `local`'s own positional options (below).
    .enablePositionalOptions();

  addTableOptions(
    program
      .command('ingest')
      .description('ingest CloudTrail log files: a file, a folder (recursively) or s3://bucket/prefix')
      .argument('<path...>', 'log files, folders or s3:// URLs')
      .option('--since <date>', 'first day of log files to read (YYYY-MM-DD, UTC)')
      .option('--until <date>', 'last day of log files to read (YYYY-MM-DD, UTC)')
      .option('--concurrency <n>', 'log files read at once', wholeNumber(1), DEFAULT_CONCURRENCY)
      .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// paths (default: AWS)', httpUrl)
      .option('--json', 'print a machine-readable summary'),
  ).action(async (paths: string[], options) => setExitCode(await runIngest(paths, options, context)));

  addTableOptions(
    addOutputOptions(
      addSelectionOptions(
        program
          .command('query')
          .description(
            'events newest first: of a service, principal, account, actor, resource or API, failed calls, or every service in a time range',
          ),
      ).option('--limit <n>', 'at most this many events; 0 for all', wholeNumber(0), DEFAULT_QUERY_LIMIT),
      'one full event per line (--output json)',
    ),
  ).action(async (options) => setExitCode(await runQuery(options, context)));

  addTableOptions(
    addOutputOptions(
      program
        .command('show')
        .description("one event in full, by CloudTrail's eventID")
        .argument('<eventID>', "CloudTrail's eventID"),
      'the event on one line (--output json)',
    ),
  ).action(async (eventID: string, options) => setExitCode(await runShow(eventID, options, context)));

  addTableOptions(
    addOutputOptions(
      addSelectionOptions(
        program
          .command('stats')
          .description('how many events of a time range (or any selection of query) fall in each group')
          .addOption(
            new Option('--by <group>', 'what to count by')
              .choices(Object.keys(STATS_GROUPS))
              .makeOptionMandatory(),
          ),
      ),
      'one JSON object per group (--output json)',
    ),
  ).action(async (options) => setExitCode(await runStats(options, context)));

  addTableOptions(
    program
      .command('detect')
      .description(
        'run the detection rules over the events the table holds, oldest first, and print the alerts',
      )
      .option(
        '--since <time>',
        'events from this date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ) or 24h, 7d ago',
      )
      .option('--json', 'one alert a line, as the alarm topic receives it'),
  ).action(async (options) => setExitCode(await runDetect({ json: false, ...options }, context)));

  program
    .command('backfill')
    .description(
      "send the trail's log files of a date range to the deployed queue, for the function to ingest",
    )
    .requiredOption('--bucket <name>', "the trail's log bucket")
    .option('--prefix <prefix>', "the trail's key prefix, or a folder below AWSLogs/", '')
    .requiredOption('--since <date>', 'first day (YYYY-MM-DD, UTC)')
    .requiredOption('--until <date>', 'last day (YYYY-MM-DD, UTC)')
    .requiredOption('--queue <url>', 'URL of the deployed ingest queue', queueUrl)
    .option('--region <region>', "AWS region (default: the queue URL's)")
    .option('--s3-endpoint <url>', 'S3-compatible endpoint (default: AWS)', httpUrl)
    .option('--dry-run', 'list the log files, send nothing')
    .option('--json', 'print a machine-readable summary')
    .action(async (options) => setExitCode(await runBackfill(options, context)));

  program
    .command('redrive')
    .description('move dead-lettered messages back to their source queue (SQS message-move task)')
    .requiredOption('--dlq <url>', 'URL of the dead-letter queue', queueUrl)
    .option('--status', 'list the recent move tasks instead of starting one')
    .option('--max-per-second <n>', 'messages moved per second (default: SQS decides)', wholeNumber(1))
    .option('--region <region>', "AWS region (default: the queue URL's)")
    .option('--json', 'machine-readable output')
    .action(async (options) => setExitCode(await runRedrive(options, context)));

  const local = program
    .command('local')
    .description('run the whole pipeline on this machine with the sample logs (what npm start runs)')
    .option('--data-dir <dir>', 'folder of the embedded DynamoDB Local', folderPath, DEFAULT_DATA_DIR)
    .option('--table <name>', 'table name', DEFAULT_TABLE_NAME)
    .option('--endpoint <url>', 'use this DynamoDB endpoint instead of starting DynamoDB Local', httpUrl)
    .option(
      '--samples <dir>',
      'folder of log files in the AWSLogs/ layout to upload',
      existingFolder,
      BUNDLED_SAMPLES_DIR,
    )
    .option('--serve', 'keep the servers running for more uploads until Ctrl-C')
    .option('--verbose', "print the function's own log lines")
    .action(async (options) => setExitCode(await runLocal(options, context)))
    // `local status --data-dir x`: the folder is the subcommand's, not the pipeline's.
    .enablePositionalOptions();
  local
    .command('stop')
    .description('stop the embedded store kept running for the data folder, and wait until it has exited')
    .option('--data-dir <dir>', 'folder of the embedded DynamoDB Local', folderPath, DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action(async (options) => setExitCode(await runLocalStop(options, context)));
  local
    .command('status')
    .description('whether an embedded store runs for the data folder, its endpoint, pid and idle time')
    .option('--data-dir <dir>', 'folder of the embedded DynamoDB Local', folderPath, DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable output')
    .action(async (options) => setExitCode(await runLocalStatus(options, context)));

  return program;
}

function isUsageError(error: unknown): boolean {
  return (
    error instanceof UsageError || error instanceof EventQueryError || error instanceof ConfigurationError
  );
}

/**
 * Runs the CLI on `args` (without `node` and the script) and returns the exit code: 0 success,
 * 1 some files or requests failed, 2 usage error.
 */
export async function runCli(
  args: readonly string[],
  context: CliContext = processContext(),
): Promise<number> {
  let exitCode: number = EXIT_CODES.success;
  const program = buildProgram(context, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.usage;
    context.stderr.write(`error: ${(error as Error).message}\n`);
    return isUsageError(error) ? EXIT_CODES.usage : EXIT_CODES.failed;
  }
}
