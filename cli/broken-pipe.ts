/** A stream that can report an error, as process.stdout does. */
interface ErrorEmitter {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Makes a closed reader of `stream` (`mltrail query --json | head -1`) end the command quietly, with
 * the exit code so far, instead of a stack trace: the reader has what it asked for.
 */
export function endQuietlyOnBrokenPipe(stream: ErrorEmitter, exit: (code?: number) => void): void {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    exit();
  });
}
