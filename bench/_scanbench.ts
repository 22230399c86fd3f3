import { readFileSync } from 'node:fs';
import { RecordsArraySplitter } from '../lambda/core/records-array-splitter';
const data = readFileSync('/tmp/100mb.json');
for (let run = 0; run < 4; run++) {
  const splitter = new RecordsArraySplitter({ keepEventSource: (s) => s.startsWith('bedrock') || s.startsWith('sagemaker'), checkKeptRecords: false });
  const t = process.cpuUsage(); let n = 0;
  for (let i = 0; i < data.length; i += 65536) n += splitter.push(data.subarray(i, i + 65536)).length;
  splitter.end();
  const c = process.cpuUsage(t);
  console.log(n, ((c.user + c.system) / 1000).toFixed(0), 'ms');
}
