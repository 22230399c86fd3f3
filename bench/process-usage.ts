import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The middle of a few measurements (of an even count, the upper of the two middle ones). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/** CPU time and peak memory of a process. */
export interface ProcessUsage {
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/** This process: user + system CPU, and `maxRSS` (reported by Node in KB). */
export function ownUsage(): ProcessUsage {
  const usage = process.resourceUsage();
  return {
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    peakRssMb: usage.maxRSS / 1024,
  };
}

let clockTicksPerSecond: number | undefined;

/** Another process, from Linux's /proc: utime + stime, and VmHWM (the peak of its resident set). */
export function usageOfPid(pid: number): ProcessUsage {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  // The command name, in parentheses, may hold spaces: fields are counted after it.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return {
    cpuSeconds: (utime + stime) / clockTicksPerSecond,
    peakRssMb: Number(hwm?.[1] ?? 0) / 1024,
  };
}
