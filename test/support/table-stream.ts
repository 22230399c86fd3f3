/** The stream reader the benchmark uses: a downstream consumer reading every shard from the start. */
export { readWholeStream } from '../../bench/table-stream';
