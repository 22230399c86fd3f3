const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Runs `stop` (stopping local servers) when the process is interrupted (Ctrl-C) or terminated,
 * then exits with the signal's conventional code. Returns a function that removes the handlers.
 */
export function stopOnSignal(stop: () => Promise<void>): () => void {
  const handlers = Object.entries(SIGNAL_EXIT_CODES).map(([signal, code]) => {
    const handler = () => {
      void stop().finally(() => process.exit(code));
    };
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => {
    for (const remove of handlers) remove();
  };
}
