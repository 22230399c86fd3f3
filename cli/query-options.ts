import { type Command, Option } from 'commander';
import type { EventQuery } from '../client/event-queries';
import { MissingIndexError } from '../client/table-indexes';
import { nearNames } from '../contract/near-names';
import { OPTIONAL_INDEXES_CONTEXT_KEY } from '../contract/table-schema';
import { loadServiceCatalogue } from '../lambda/config';
import { roleArnOfSessionArn } from '../lambda/core/principal';
import type { CliContext } from './cli-context';
import { parseTimeOption } from './date-range';
import { OUTPUT_FORMATS } from './event-output';
import { UsageError } from './usage-error';

/** What `query` and `stats` select events by. */
export interface EventSelectionOptions {
  readonly service?: string;
  readonly principal?: string;
  readonly account?: string;
  readonly eventName?: string;
  readonly actor?: string;
  readonly resource?: string;
  readonly errors?: boolean;
  readonly eventRegion?: string;
  readonly accessKey?: string;
  readonly sourceIp?: string;
  readonly readOnly?: boolean;
  readonly writes?: boolean;
  readonly since?: string;
  readonly until?: string;
}

/** The flag of each criterion the query module names in a MissingIndexError. */
const FLAG_OF_CRITERION: Readonly<Record<string, string>> = {
  actor: '--actor',
  account: '--account',
  eventName: '--event-name',
};

/** Adds the options that select events: the access patterns, the filters and the time range. */
export function addSelectionOptions(command: Command): Command {
  return command
    .option('--service <name>', 'service short name, e.g. bedrock (any case)')
    .option(
      '--principal <principal>',
      'a role or user ARN as stored, or the assumed-role session ARN CloudTrail shows',
    )
    .option('--account <id>', 'account the events were delivered to (recipientAccountId)')
    .option('--event-name <name>', 'one API, e.g. InvokeModel: within --service, or across every service')
    .option(
      '--actor <name>',
      'the human: role session name, Identity Center user, sourceIdentity, IAM user name',
    )
    .option('--resource <arn>', 'events whose primary resource is this ARN')
    .option('--errors', 'failed calls only (an errorCode is present)')
    .option('--event-region <region>', "the events' Region (awsRegion); --region is the client's")
    .option('--access-key <id>', 'events signed with this access key id')
    .option('--source-ip <address>', 'events from this sourceIPAddress')
    .option('--read-only', 'read-only calls only')
    .option('--writes', 'calls that change something only (readOnly false)')
    .option(
      '--since <time>',
      'from this date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, +02:00 offsets) or 24h, 7d ago',
    )
    .option('--until <time>', 'to this UTC date or time, inclusive');
}

/** Adds `--output table|json|csv` and its short form `--json`. */
export function addOutputOptions(command: Command, json: string): Command {
  return command
    .addOption(new Option('--output <format>', 'table, json or csv (default: table)').choices(OUTPUT_FORMATS))
    .option('--json', json);
}

/** A service as the catalogue names it, whatever its case; a usage error naming near names otherwise. */
export function catalogueServiceOf(name: string, serviceNames: readonly string[]): string {
  const lower = name.toLowerCase();
  if (serviceNames.includes(lower)) return lower;
  const near = nearNames(lower, serviceNames);
  throw new UsageError(
    `--service ${name} is not in the service catalogue${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (MLTRAIL_EXTRA_SERVICES adds services)`,
  );
}

/** The services of the catalogue in force, as the function reads it from the same variables. */
export function catalogueServices(env: NodeJS.ProcessEnv): string[] {
  return [...new Set(loadServiceCatalogue(env).values())];
}

/**
 * The query the options select; throws a usage error for what cannot be asked. Says on stderr
 * how a session ARN given as --principal is read.
 */
export function eventQueryOf(
  options: EventSelectionOptions,
  services: readonly string[],
  stderr: CliContext['stderr'],
): EventQuery {
  if (options.readOnly && options.writes) throw new UsageError('give --read-only or --writes, not both');
  const selects = [
    options.service,
    options.principal,
    options.account,
    options.eventName,
    options.actor,
    options.resource,
    options.errors,
    options.eventRegion,
    options.accessKey,
    options.sourceIp,
    options.readOnly,
    options.writes,
    options.since,
    options.until,
  ].some((value) => value !== undefined);
  if (!selects) {
    throw new UsageError(
      'give what to select: --service, --principal, --account, --event-name, --actor, --resource, --errors, a filter, or a time range (--since/--until) for every service',
    );
  }
  const since = options.since === undefined ? undefined : parseTimeOption(options.since, '--since');
  const until = options.until === undefined ? undefined : parseTimeOption(options.until, '--until');
  // An until date covers its whole day: '~' sorts after every character of a time.
  if (since !== undefined && until !== undefined && since > `${until}~`) {
    throw new UsageError(`--since ${options.since} is after --until ${options.until}`);
  }
  // Items store the role of an assumed-role session: the session ARN CloudTrail shows finds nothing.
  const role = options.principal === undefined ? undefined : roleArnOfSessionArn(options.principal);
  if (role) stderr.write(`--principal read as the role ${role} (events of all its sessions)\n`);
  const principal = role ?? options.principal;
  const readOnly = options.readOnly ? true : options.writes ? false : undefined;
  return {
    services,
    ...(options.service === undefined ? {} : { service: catalogueServiceOf(options.service, services) }),
    ...(principal === undefined ? {} : { principal }),
    ...(options.account === undefined ? {} : { recipientAccountId: options.account }),
    ...(options.eventName === undefined ? {} : { eventName: options.eventName }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.resource === undefined ? {} : { resourceArn: options.resource }),
    ...(options.errors ? { errorsOnly: true } : {}),
    ...(options.eventRegion === undefined ? {} : { awsRegion: options.eventRegion }),
    ...(options.accessKey === undefined ? {} : { accessKeyId: options.accessKey }),
    ...(options.sourceIp === undefined ? {} : { sourceIPAddress: options.sourceIp }),
    ...(readOnly === undefined ? {} : { readOnly }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

/** A MissingIndexError as the usage error a person reads: the flag, the index, the context key. */
export function asUsageError(error: unknown): unknown {
  if (!(error instanceof MissingIndexError)) return error;
  const flag = FLAG_OF_CRITERION[error.criterion] ?? error.criterion;
  return new UsageError(
    `${flag} needs the table's ${error.indexName} index, which table ${error.tableName} lacks: redeploy with -c ${OPTIONAL_INDEXES_CONTEXT_KEY}=${error.indexName}`,
    { cause: error },
  );
}
