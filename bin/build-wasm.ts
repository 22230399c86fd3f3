import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileRecordScanner,
  RECORD_SCANNER_MODULE_PATH,
  recordScannerModuleText,
} from '../lambda/core/wasm/build';

/** `npm run build:wasm`: compiles the record scanner and writes its module beside its source. */
const wasm = await compileRecordScanner();
writeFileSync(join(import.meta.dirname, '..', RECORD_SCANNER_MODULE_PATH), recordScannerModuleText(wasm));
process.stdout.write(`${RECORD_SCANNER_MODULE_PATH}: ${wasm.length} bytes of WebAssembly\n`);
