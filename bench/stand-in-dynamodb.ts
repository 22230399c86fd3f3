import { createServer } from 'node:http';

/**
 * A stand-in DynamoDB endpoint on loopback: it answers BatchWriteItem (everything processed) and
 * PutItem after a fixed latency, as a real table with capacity to spare would, and counts the
 * items it was sent. Run as a process of its own, so that its CPU is not the client's; prints
 * `port <n>` once listening. A GET answers the counts as JSON.
 *
 * Usage: stand-in-dynamodb.ts <latency ms>
 */
const latencyMs = Number(process.argv[2] ?? 10);
const counts = { batchWriteItem: 0, putItem: 0, items: 0 };

const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.end(JSON.stringify(counts));
    return;
  }
  const parts: Buffer[] = [];
  request.on('data', (part: Buffer) => parts.push(part));
  request.on('end', () => {
    const target = String(request.headers['x-amz-target'] ?? '');
    let body = '{}';
    if (target.endsWith('.BatchWriteItem')) {
      const input = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        RequestItems: Record<string, unknown[]>;
      };
      counts.batchWriteItem += 1;
      for (const requests of Object.values(input.RequestItems)) counts.items += requests.length;
      body = '{"UnprocessedItems":{}}';
    } else if (target.endsWith('.PutItem')) {
      counts.putItem += 1;
      counts.items += 1;
    } else {
      response.statusCode = 400;
      body = JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: target });
    }
    setTimeout(() => {
      response.setHeader('content-type', 'application/x-amz-json-1.0');
      response.end(body);
    }, latencyMs);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
