// Types of sim-jobs.mjs (the simulated server's Data Pump jobs).

export interface SimJob {
  owner: string;
  jobName: string;
  operation: string;
  jobMode: string;
  state: string;
  attachedSessions: number;
}

export interface SimJobFile {
  owner: string;
  jobName: string;
  operation: string;
  jobMode: string;
  state: string;
  pid: number;
  dumpFiles: string[];
}

export function jobsDirFor(configPath: string, config?: { jobsDir?: string }): string;
export function registerJob(
  dir: string,
  job: { owner: string; jobName: string; pid: number; dumpFiles?: string[] },
): void;
export function seedJob(dir: string, job: Partial<SimJobFile> & { owner: string; jobName: string }): void;
export function updateJobFiles(dir: string, owner: string, jobName: string, dumpFiles: string[]): void;
export function listJobs(dir: string): SimJob[];
export function findJob(dir: string, owner: string, jobName: string): SimJobFile | undefined;
export function finishJob(dir: string, owner: string, jobName: string, outcome: 'completed' | 'failed'): void;
export function pendingRequest(dir: string, owner: string, jobName: string): 'kill' | 'stop' | undefined;
export function requestStop(dir: string, owner: string, jobName: string, mode: 'kill' | 'stop'): boolean;
export function endJob(dir: string, job: SimJobFile, mode: 'kill' | 'stop'): void;
export function dropControlTable(dir: string, owner: string, jobName: string): void;
