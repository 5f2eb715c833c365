// Main → post hand-over through the runner's saved state, typed in one place: the private folders (parfiles hold
// passwords), the Data Pump jobs with their last known state, and how the main step ended. Each save replaces the
// value, so the post step sees the latest one even when the main step was killed.
import * as core from '@actions/core';
import type { JobEvent } from './pipeline.js';

const TEMP_DIRS = 'temp-dirs';
const JOBS = 'jobs';
const RUN = 'run';

/** How the main step ended, as far as it got to say. */
export interface RunState {
  /** `finished` once the report is written; `cancelled` when a signal stopped it first. */
  phase: 'running' | 'cancelled' | 'finished';
  signal?: string;
}

export function rememberTempDir(dir: string, known: Set<string>): void {
  known.add(dir);
  core.saveState(TEMP_DIRS, JSON.stringify([...known]));
}

export function rememberedTempDirs(): string[] {
  const parsed = readJson(TEMP_DIRS);
  return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === 'string') : [];
}

/** Records a job event; the saved list holds every job of the run with its latest state. */
export function rememberJob(event: JobEvent, known: Map<string, JobEvent>): void {
  known.set(event.jobName, event);
  core.saveState(JOBS, JSON.stringify([...known.values()]));
}

export function rememberedJobs(): JobEvent[] {
  const parsed = readJson(JOBS);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (j): j is JobEvent =>
      typeof j === 'object' &&
      j !== null &&
      typeof j.schema === 'string' &&
      typeof j.jobName === 'string' &&
      typeof j.state === 'string' &&
      typeof j.dumpPath === 'string' &&
      typeof j.dumpFile === 'string',
  );
}

export function rememberRun(state: RunState): void {
  core.saveState(RUN, JSON.stringify(state));
}

export function rememberedRun(): RunState | undefined {
  const parsed = readJson(RUN) as RunState | undefined;
  return parsed && typeof parsed.phase === 'string' ? parsed : undefined;
}

function readJson(name: string): unknown {
  const raw = core.getState(name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
