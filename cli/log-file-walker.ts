import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** A file found on disk. */
export interface LocalFile {
  /** Absolute path. */
  readonly path: string;
  /**
   * The absolute path with `/` separators: the key its layout is judged by, so that a file is
   * recognised from any folder level of a trail copy (`.../AWSLogs/<account>/CloudTrail/...`).
   */
  readonly key: string;
  readonly size: number;
}

// Names of files that hold records in some format `mltrail ingest` reads; a Lake export's sign
// file (result_sign.json) holds none.
const DATA_FILE_NAME = /\.(?:json|jsonl|ndjson|csv)(?:\.gz)?$/i;
const LAKE_SIGN_FILE_NAME = /(?:^|\/)result_sign\.json$/;

/** Whether a file found in a folder is read by its content although it is not in a trail's layout. */
export function isDataFileName(key: string): boolean {
  return DATA_FILE_NAME.test(key) && !LAKE_SIGN_FILE_NAME.test(key);
}

/** The key a local file's layout is judged by. */
export function localKeyOf(path: string): string {
  return resolve(path).split(sep).join('/');
}

/**
 * Every file under a folder, depth first in name order, or the file itself when `path` is a
 * file. Links to files are followed, links to folders are not.
 */
export async function* walkFiles(path: string): AsyncGenerator<LocalFile> {
  const root = resolve(path);
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) {
    yield { path: root, key: localKeyOf(root), size: rootStat.size };
    return;
  }
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const child = join(root, entry.name);
    // A linked folder is not followed: it could loop.
    if (entry.isDirectory()) {
      yield* walkFiles(child);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      const childStat = await stat(child).catch(() => undefined);
      if (childStat?.isFile()) yield { path: child, key: localKeyOf(child), size: childStat.size };
    }
  }
}
