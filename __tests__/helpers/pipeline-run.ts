// Runs the pipeline in-process against the simulated Oracle (expdp/exp clients really spawned) with the recorded
// fake database injected through PipelineDeps: what the Data Pump tests share.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OracleDatabase } from '../../src/database/database.js';
import { expdpProcessRunner } from '../../src/export/expdp-process.js';
import { runBackup, type JobEvent } from '../../src/pipeline.js';
import { RunLog } from '../../src/report/run-log.js';
import type { RunReport } from '../../src/run-report.js';
import { INPUT_NAMES } from '../../src/settings/inputs.js';
import { parseSettings } from '../../src/settings/settings.js';
import type { Settings } from '../../src/types.js';
import { TOOL } from '../../src/version.js';
import { SIM_ORACLE_HOME, writeSimConfig, type SimConfig } from '../oracle-sim/sim.js';

export const PASSWORD = 'Tiger#Secret_2026';

export interface PipelineScenario {
  root: string;
  dumpDir: string;
  workDir: string;
  tempDir: string;
  record: string;
  config: string;
  settings: Settings;
}

export async function pipelineScenario(
  schemas: SimConfig['schemas'],
  inputs: Record<string, string> = {},
  sim: Partial<SimConfig> = {},
): Promise<PipelineScenario> {
  const root = await mkdtemp(path.join(tmpdir(), 'oba-pipe-'));
  const dumpDir = path.join(root, 'dpdump');
  const workDir = path.join(root, 'work');
  const tempDir = path.join(root, 'temp');
  await mkdir(dumpDir, { recursive: true });
  await mkdir(tempDir, { recursive: true });
  const record = path.join(root, 'calls.jsonl');
  const config = writeSimConfig(root, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { BACKUP: PASSWORD },
    record,
    schemas,
    ...sim,
  });
  const raw: Record<string, string> = {
    ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])),
    'connect-string': 'dbhost:1521/ORCLPDB1',
    username: 'backup',
    password: PASSWORD,
    schemas: Object.keys(schemas).join(', '),
    'dump-path': dumpDir,
    'oracle-home': SIM_ORACLE_HOME,
    'work-dir': workDir,
    ...inputs,
  };
  const parsed = parseSettings(raw, { GITHUB_WORKSPACE: root });
  if (!parsed.ok) throw new Error(`invalid test settings:\n${parsed.errors.join('\n')}`);
  return { root, dumpDir, workDir, tempDir, record, config, settings: parsed.settings };
}

export interface PipelineRun {
  report: RunReport;
  log: RunLog;
  jobs: JobEvent[];
  ms: number;
}

export async function runPipeline(
  s: PipelineScenario,
  options: {
    database?: OracleDatabase;
    signal?: AbortSignal;
    onJob?: (e: JobEvent) => void;
    overlap?: boolean;
    deflateAheadReserveBytes?: number;
  } = {},
): Promise<PipelineRun> {
  const log = new RunLog([PASSWORD], () => new Date());
  const jobs: JobEvent[] = [];
  const started = Date.now();
  const report = await runBackup(s.settings, {
    exporter: expdpProcessRunner,
    clock: () => new Date(),
    log,
    tool: TOOL,
    runId: '4242',
    newId: randomUUID,
    tempRoot: s.tempDir,
    database: options.database,
    signal: options.signal,
    env: { ORACLE_SIM_CONFIG: s.config },
    stopBudgetMs: { timeout: 10_000, cancelled: 4_000 },
    overlap: options.overlap,
    deflateAheadReserveBytes: options.deflateAheadReserveBytes,
    onJob: (event) => {
      jobs.push(event);
      options.onJob?.(event);
    },
  });
  return { report, log, jobs, ms: Date.now() - started };
}
