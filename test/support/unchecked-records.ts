import { readLogRecords } from '../../lambda/core/log-file-reader';
import { type ServiceCatalogue, serviceOf } from '../../lambda/core/service-catalogue';

/**
 * Whether ingesting this log text must fail, judged by the reader that checks every record's
 * grammar: on a break in the structure, or on a record that is not JSON and that ingestion keeps
 * (its eventSource is not a string, or is catalogued). A record of another service is only
 * delimited, so a grammar error inside it alone does not fail the file.
 */
export async function mustIngestionFail(
  text: string | Buffer,
  catalogue: ServiceCatalogue,
): Promise<boolean> {
  async function* body() {
    yield Buffer.from(text);
  }
  try {
    for await (const raw of readLogRecords(body())) {
      const skipped = raw.eventSource !== undefined && serviceOf(catalogue, raw.eventSource) === undefined;
      if (raw.syntaxError && !skipped) return true;
    }
    return false;
  } catch {
    return true;
  }
}
