import { describe, expect, it } from 'vitest';
import { withholdSecretVariables } from '../src/settings/withhold.js';

describe('withholdSecretVariables', () => {
  it('removes every variable holding a secret, whatever its name, and keeps the rest', () => {
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin',
      DB_PASSWORD: 'tiger-Secret1',
      SOME_COPY: 'tiger-Secret1\n',
      ZIP_PW: 'zip pw',
      INPUT_PASSWORD: 'tiger-Secret1',
      EMPTY: '',
      HOME: '/root',
    };
    const removed = withholdSecretVariables(env, ['tiger-Secret1', 'zip pw', '']);
    expect(removed).toEqual(['DB_PASSWORD', 'SOME_COPY', 'ZIP_PW']);
    expect(env).toEqual({ PATH: '/usr/bin', INPUT_PASSWORD: 'tiger-Secret1', EMPTY: '', HOME: '/root' });
  });

  it('an empty secret list changes nothing', () => {
    const env: NodeJS.ProcessEnv = { A: 'x', B: '' };
    expect(withholdSecretVariables(env, [])).toEqual([]);
    expect(env).toEqual({ A: 'x', B: '' });
  });
});
