// The real-Oracle workflow's expdp wrapper (.github/oracle/bin/expdp), run here with a stand-in `docker` that runs
// `docker exec ... CONTAINER CMD ...` on this machine, and the simulated expdp as the container's expdp: the parfile
// travels through stdin (mode 0600, no password in argv), help=y passes through, exit codes and stdin are kept,
// and SIGTERM reaches expdp instead of leaving it running.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';
import { readSimCalls, SIM_ORACLE_HOME, writeSimConfig } from './oracle-sim/sim.js';
import { jobsDirFor, listJobs } from './oracle-sim/sim-jobs.mjs';

const WRAPPER = path.join(REPO_ROOT, '.github', 'oracle', 'bin', 'expdp');
const FAKE_DOCKER = `#!/usr/bin/env bash
[ "$1" = exec ] || exit 2
shift
envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    -i) shift ;;
    -e) envs+=("$2"); shift 2 ;;
    -u) shift 2 ;;
    *) break ;;
  esac
done
shift
exec env "\${envs[@]}" "$@"
`;

async function setup() {
  const dir = await mkdtemp(path.join(tmpdir(), 'oba-wrapper-'));
  const bin = path.join(dir, 'docker-bin');
  await mkdir(bin);
  await writeFile(path.join(bin, 'docker'), FAKE_DOCKER);
  await chmod(path.join(bin, 'docker'), 0o755);
  const dumpDir = path.join(dir, 'dp');
  await mkdir(dumpDir);
  const record = path.join(dir, 'calls.jsonl');
  const config = writeSimConfig(dir, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { BACKUP: 'Pw-1' },
    record,
    schemas: { HR: { tables: 2, bytes: 64 * 1024 }, SLOW: { behavior: 'hang' } },
  });
  const env = {
    ...process.env,
    PATH: [bin, path.join(SIM_ORACLE_HOME, 'bin'), process.env.PATH].join(path.delimiter),
    ORACLE_SIM_CONFIG: config,
    ORACLE_CONTAINER: 'oracle-service',
  };
  const parfile = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text, { mode: 0o600 });
    return file;
  };
  return { dir, config, record, env, parfile };
}

function wrapper(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const child = spawn(WRAPPER, args, {
    env,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    done: new Promise<{ code: number | null; out: string }>((r) =>
      child.on('close', (code) => r({ code, out })),
    ),
  };
}

describe('the real-Oracle workflow: expdp wrapper', () => {
  it('hands the parfile over through stdin, passes help=y and exit codes through, and cleans up', async () => {
    const s = await setup();
    const par = await s.parfile(
      'OBA_HR_1.par',
      'USERID=backup/Pw-1@localhost:1521/FREEPDB1\nSCHEMAS=HR\nDUMPFILE=hr.dmp\nLOGFILE=hr.log\nJOB_NAME=OBA_HR_1\n',
    );
    const ok = await wrapper([`parfile=${par}`], s.env).done;
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/Job "BACKUP"\."OBA_HR_1" successfully completed/);
    const call = readSimCalls(s.record)[0]!;
    expect(call.argv).toEqual([expect.stringMatching(/^parfile=\/tmp\/oba-\d+-OBA_HR_1\.par$/)]);
    expect(call.parfileMode).toBe('600');
    expect(JSON.stringify(call.argv)).not.toContain('Pw-1');
    const help = await wrapper(['help=y'], s.env).done;
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('Export: Release 19.0.0.0.0')]);
    const bad = await s.parfile('bad.par', 'USERID=backup/wrong@x\nSCHEMAS=HR\n');
    expect((await wrapper([`parfile=${bad}`], s.env).done).code).toBe(1);
    const left = (await readdir('/tmp')).filter((n) => /^oba-\d+(-|\.pid)/.test(n));
    expect(left).toEqual([]);
  });

  it('forwards SIGTERM to expdp, and keeps stdin for ATTACH + KILL_JOB', async () => {
    const s = await setup();
    const slow = await s.parfile(
      'OBA_SLOW_1.par',
      'USERID=backup/Pw-1@x\nSCHEMAS=SLOW\nDUMPFILE=slow.dmp\nLOGFILE=slow.log\nJOB_NAME=OBA_SLOW_1\n',
    );
    const running = wrapper([`parfile=${slow}`], s.env);
    const jobs = jobsDirFor(s.config);
    for (let i = 0; i < 200 && listJobs(jobs).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    running.child.kill('SIGTERM');
    const ended = await running.done;
    expect(ended.code).not.toBe(0);
    const client = readSimCalls(s.record)[0]!;
    expect(() => process.kill(client.pid, 0)).toThrow();
    // The client is gone; its job is not (as with a real killed client): ATTACH + KILL_JOB through the wrapper.
    expect(listJobs(jobs)).toMatchObject([
      { jobName: 'OBA_SLOW_1', state: 'EXECUTING', attachedSessions: 0 },
    ]);
    const attach = await s.parfile('attach.par', 'USERID=backup/Pw-1@x\nATTACH=OBA_SLOW_1\n');
    const killed = await wrapper([`parfile=${attach}`], s.env, 'KILL_JOB\nyes\n').done;
    expect(killed.code).toBe(0);
    expect(listJobs(jobs)).toEqual([]);
  });
});
