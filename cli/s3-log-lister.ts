import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type DayRange, overlapsRange } from './date-range';
import { UsageError } from './usage-error';

/** An object found by a listing. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
}

type S3Sender = Pick<S3Client, 'send'>;

// What a listed folder is in CloudTrail's layout: `AWSLogs/`, an organization trail's `o-<id>/`,
// `<account>/`, its `CloudTrail/`, `<region>/`, then `YYYY/MM/DD/`.
type Folder = 'logs' | 'organization' | 'account' | 'trail' | 'region' | 'year' | 'month' | 'day';

const ACCOUNT_FOLDER = /^\d{12}$/;
const ORGANIZATION_FOLDER = /^o-[a-z0-9]{10,32}$/;

async function* listPage(
  s3: S3Sender,
  bucket: string,
  prefix: string,
  delimiter: boolean,
): AsyncGenerator<{ folders: string[]; objects: ListedObject[] }> {
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: delimiter ? '/' : undefined,
        ContinuationToken: continuationToken,
      }),
    );
    yield {
      folders: (page.CommonPrefixes ?? []).flatMap((common) => (common.Prefix ? [common.Prefix] : [])),
      objects: (page.Contents ?? []).flatMap((object) =>
        object.Key ? [{ key: object.Key, size: object.Size ?? 0 }] : [],
      ),
    };
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}

async function* subfolders(s3: S3Sender, bucket: string, prefix: string): AsyncGenerator<string> {
  for await (const page of listPage(s3, bucket, prefix, true)) yield* page.folders;
}

function lastSegment(folder: string): string {
  return folder.slice(0, -1).split('/').pop() ?? '';
}

// `.../CloudTrail/<region>/YYYY[/MM[/DD]]/` -> `YYYY[-MM[-DD]]`
function periodOf(folder: string): string {
  const parts = folder.slice(0, -1).split('/');
  const region = parts.lastIndexOf('CloudTrail') + 1;
  return parts.slice(region + 1).join('-');
}

const CHILD_FOLDER: Partial<Record<Folder, Folder>> = {
  trail: 'region',
  region: 'year',
  year: 'month',
  month: 'day',
};

async function* walk(
  s3: S3Sender,
  bucket: string,
  prefix: string,
  folder: Folder,
  range: DayRange,
): AsyncGenerator<ListedObject> {
  if (folder === 'day') {
    for await (const page of listPage(s3, bucket, prefix, false)) yield* page.objects;
    return;
  }
  if (folder === 'account') {
    // Only CloudTrail/ holds log files; CloudTrail-Digest/ and CloudTrail-Insight/ are left alone.
    yield* walk(s3, bucket, `${prefix}CloudTrail/`, 'trail', range);
    return;
  }
  for await (const child of subfolders(s3, bucket, prefix)) {
    const name = lastSegment(child);
    if (folder === 'logs' || folder === 'organization') {
      if (ACCOUNT_FOLDER.test(name)) yield* walk(s3, bucket, child, 'account', range);
      else if (folder === 'logs' && ORGANIZATION_FOLDER.test(name))
        yield* walk(s3, bucket, child, 'organization', range);
      continue;
    }
    const childFolder = CHILD_FOLDER[folder] as Folder;
    const dated = childFolder !== 'region';
    if (dated && !(/^\d+$/.test(name) && overlapsRange(periodOf(child), range))) continue;
    yield* walk(s3, bucket, child, childFolder, range);
  }
}

// The folders below AWSLogs/ (after an organization's o-<id>/), in order.
const LAYOUT: readonly { readonly pattern: RegExp; readonly folder: Folder }[] = [
  { pattern: ACCOUNT_FOLDER, folder: 'account' },
  { pattern: /^CloudTrail$/, folder: 'trail' },
  { pattern: /^[a-z0-9-]+$/, folder: 'region' },
  { pattern: /^\d{4}$/, folder: 'year' },
  { pattern: /^\d{2}$/, folder: 'month' },
  { pattern: /^\d{2}$/, folder: 'day' },
];

// Where a given prefix stands: the trail's key prefix, or a folder of the layout below AWSLogs/.
function startOf(prefix: string): { prefix: string; folder: Folder } {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/');
  const logsAt = segments.indexOf('AWSLogs');
  if (logsAt === -1) return { prefix: `${[...segments, 'AWSLogs'].join('/')}/`, folder: 'logs' };
  let folder: Folder = 'logs';
  let below = segments.slice(logsAt + 1);
  if (below[0] !== undefined && ORGANIZATION_FOLDER.test(below[0])) {
    folder = 'organization';
    below = below.slice(1);
  }
  if (below.length > LAYOUT.length || below.some((segment, i) => !LAYOUT[i]?.pattern.test(segment))) {
    throw new UsageError(
      `"${prefix}" is not a folder of CloudTrail's layout: give the trail's key prefix, or a folder such as <prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM`,
    );
  }
  if (below.length > 0) folder = (LAYOUT[below.length - 1] as (typeof LAYOUT)[number]).folder;
  return { prefix: `${segments.join('/')}/`, folder };
}

/**
 * Lists the objects of a trail's log folders in a bucket: `<prefix>/AWSLogs/`, then each account
 * (also below an organization's `o-<id>/`), its `CloudTrail/` regions, and only the `YYYY/MM/DD/`
 * folders in the range, with one delimited listing per folder. Never lists the whole bucket.
 */
export function listLogObjects(
  s3: S3Sender,
  bucket: string,
  prefix: string,
  range: DayRange,
): AsyncGenerator<ListedObject> {
  const start = startOf(prefix);
  return walk(s3, bucket, start.prefix, start.folder, range);
}
