import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the proxy answers one request. */
export type DynamoDbAnswer =
  /** Passes it to DynamoDB Local as sent. */
  | { readonly kind: 'forward' }
  /** Answers an error as DynamoDB does: HTTP status, `__type` and message. */
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string }
  /** Passes all but the last `count` put requests on, and returns those as UnprocessedItems. */
  | { readonly kind: 'unprocessed'; readonly count: number };

/** A request the proxy received. */
export interface ProxiedRequest {
  /** `BatchWriteItem`, `PutItem`, `Scan`, ... */
  readonly operation: string;
  /** eventIds of the items it writes. */
  readonly eventIds: readonly string[];
  /** Requests of this operation received so far, this one included. */
  readonly n: number;
}

/** A DynamoDB Local behind a proxy that throttles or errs on cue. */
export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  /** Answers given so far other than `forward`, by kind and operation (`error BatchWriteItem`). */
  readonly faults: Map<string, number>;
  /** Requests received so far, by operation. */
  readonly received: Map<string, number>;
  stop(): Promise<void>;
}

type AttributeMap = Record<string, { S?: string }>;
type WriteRequest = { PutRequest?: { Item?: AttributeMap } };
type RequestBody = { RequestItems?: Record<string, WriteRequest[]>; Item?: AttributeMap };

const THROTTLING_TYPE = 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException';

/** The error DynamoDB answers when a table's throughput is exceeded. */
export const THROTTLED: DynamoDbAnswer = {
  kind: 'error',
  status: 400,
  type: THROTTLING_TYPE,
  message: 'The level of configured provisioned throughput for the table was exceeded.',
};

/** The error DynamoDB answers for an item it cannot store. */
export function refused(message: string): DynamoDbAnswer {
  return { kind: 'error', status: 400, type: 'com.amazon.coral.validate#ValidationException', message };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function eventIdsOf(body: RequestBody): string[] {
  const items = body.Item
    ? [body.Item]
    : Object.values(body.RequestItems ?? {}).flatMap((writes) =>
        writes.map((write) => write.PutRequest?.Item),
      );
  return items.map((item) => item?.eventID?.S ?? '');
}

function respond(response: ServerResponse, status: number, json: unknown): void {
  const bytes = Buffer.from(JSON.stringify(json));
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': bytes.length,
    'x-amzn-RequestId': 'fault-proxy',
  });
  response.end(bytes);
}

/**
 * Starts an HTTP proxy on loopback in front of a DynamoDB Local at `upstream`; `decide` picks
 * each request's answer. For what DynamoDB Local cannot do on cue: throttle, return
 * UnprocessedItems, refuse one chosen item.
 */
export async function startDynamoDbFaultProxy(
  upstream: string,
  decide: (request: ProxiedRequest) => DynamoDbAnswer,
): Promise<DynamoDbFaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const faults = new Map<string, number>();
  const received = new Map<string, number>();
  const count = (counts: Map<string, number>, key: string) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  };

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...incoming.headers, 'content-length': String(body.length) };
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          headers,
          agent,
        },
        (answer) => {
          readBody(answer).then(
            (bytes) => resolve({ status: answer.statusCode ?? 500, body: bytes }),
            reject,
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = createServer(async (incoming, response) => {
    try {
      const raw = await readBody(incoming);
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const body = (raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {}) as RequestBody;
      const answer = decide({ operation, eventIds: eventIdsOf(body), n: count(received, operation) });
      if (answer.kind !== 'forward') count(faults, `${answer.kind} ${operation}`);
      if (answer.kind === 'error') {
        respond(response, answer.status, { __type: answer.type, message: answer.message });
        return;
      }
      if (answer.kind === 'unprocessed' && body.RequestItems) {
        const unprocessed: Record<string, WriteRequest[]> = {};
        const kept: Record<string, WriteRequest[]> = {};
        for (const [table, writes] of Object.entries(body.RequestItems)) {
          const keep = Math.max(0, writes.length - answer.count);
          kept[table] = writes.slice(0, keep);
          unprocessed[table] = writes.slice(keep);
        }
        const sent = Object.values(kept).some((writes) => writes.length > 0)
          ? await forward(incoming, Buffer.from(JSON.stringify({ ...body, RequestItems: kept })))
          : { status: 200, body: Buffer.from('{}') };
        if (sent.status !== 200) {
          respond(response, sent.status, JSON.parse(sent.body.toString('utf8')));
          return;
        }
        respond(response, 200, { ...JSON.parse(sent.body.toString('utf8')), UnprocessedItems: unprocessed });
        return;
      }
      const sent = await forward(incoming, raw);
      response.writeHead(sent.status, {
        'Content-Type': 'application/x-amz-json-1.0',
        'Content-Length': sent.body.length,
      });
      response.end(sent.body);
    } catch (error) {
      respond(response, 500, { __type: 'InternalServerError', message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    received,
    async stop() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A seeded pseudo-random source in [0, 1) (mulberry32): the same seed, the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
