/** The command line asks for something impossible; the CLI exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
