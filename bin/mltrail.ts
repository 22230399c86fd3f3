#!/usr/bin/env -S node --import tsx
import { endQuietlyOnBrokenPipe } from '../cli/broken-pipe';
import { runCli } from '../cli/program';

// The SDK warns on every run that releases from 2027 need Node 22; the pinned ones run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

endQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code));
process.exitCode = await runCli(process.argv.slice(2));
