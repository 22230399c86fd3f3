/**
 * Every reason an S3 object is not ingested, for summaries that count by reason. `gone`: the object
 * was deleted (a lifecycle rule, say) before it was read.
 */
export const SKIP_REASONS = ['digest', 'insight', 'empty', 'folder', 'not-cloudtrail', 'gone'] as const;

/** Why an S3 object is not ingested. */
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The parts of a CloudTrail log file key. */
export interface LogObjectKey {
  /** Key prefix before `AWSLogs/`, without the trailing slash; empty when none. */
  readonly prefix: string;
  /** Organization id of an organization trail's layout. */
  readonly organizationId?: string;
  readonly accountId: string;
  readonly region: string;
  /** `YYYY-MM-DD` of the folder the file is in. */
  readonly date: string;
  readonly compressed: boolean;
}

/** What to do with an object. */
export type LogObjectSelection =
  | { readonly ingest: true; readonly log: LogObjectKey }
  | { readonly ingest: false; readonly reason: SkipReason };

// [prefix/]AWSLogs/[o-xxxxxxxxxx/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json[.gz]
const LOG_KEY_PATTERN =
  /^(?:(.*)\/)?AWSLogs\/(?:(o-[a-z0-9]{10,32})\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/\3_CloudTrail_\4_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json(\.gz)?$/;
const DIGEST_PATTERN = /(?:^|\/)AWSLogs\/.*\/CloudTrail-Digest\//;
const INSIGHT_PATTERN = /(?:^|\/)AWSLogs\/.*\/CloudTrail-Insight\//;

/**
 * Decodes an object key as S3 event notifications carry it: URL-encoded, with `+` for a space.
 * Keys that are not valid percent-encoding are returned as they are.
 */
export function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/**
 * Decides whether an object (with its key already decoded) is a CloudTrail log file to ingest,
 * or why not. `size` is the object's size when known.
 */
export function selectLogObject(key: string, size?: number): LogObjectSelection {
  if (key.endsWith('/')) return { ingest: false, reason: 'folder' };
  if (DIGEST_PATTERN.test(key)) return { ingest: false, reason: 'digest' };
  if (INSIGHT_PATTERN.test(key)) return { ingest: false, reason: 'insight' };
  const match = LOG_KEY_PATTERN.exec(key);
  if (!match) return { ingest: false, reason: 'not-cloudtrail' };
  if (size === 0) return { ingest: false, reason: 'empty' };
  const [, prefix, organizationId, accountId, region, year, month, day, gz] = match;
  return {
    ingest: true,
    log: {
      prefix: prefix ?? '',
      ...(organizationId ? { organizationId } : {}),
      accountId: accountId as string,
      region: region as string,
      date: `${year}-${month}-${day}`,
      compressed: gz !== undefined,
    },
  };
}
