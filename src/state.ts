// Main → post hand-over through the runner's saved state, typed in one place.
import * as core from '@actions/core';

const TEMP_DIRS = 'temp-dirs';

export function rememberTempDir(dir: string, known: Set<string>): void {
  known.add(dir);
  core.saveState(TEMP_DIRS, JSON.stringify([...known]));
}

export function rememberedTempDirs(): string[] {
  const raw = core.getState(TEMP_DIRS);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}
