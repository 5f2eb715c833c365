// The pure parts of the OpenSSH transfer (sftp-openssh.ts): when OpenSSH is usable, how its messages are read,
// which cipher order and host key algorithms it is given. The process itself is tested in sftp.test.ts.
import { describe, expect, it } from 'vitest';
import {
  AES_GCM_FIRST,
  classifyOpenSshExit,
  cpuHasAes,
  hostKeyAlgorithms,
  keyBlobType,
  openSshUnusableReason,
  type OpenSshClient,
} from '../src/deliver/sftp-openssh.js';
import type { SftpSettings } from '../src/settings/sftp-settings.js';

const settings: SftpSettings = {
  host: 'backup.example.com',
  port: 2222,
  username: 'oracle',
  password: 'S3cret-pw',
  privateKey: '',
  passphrase: '',
  fingerprint: 'SHA256:' + 'A'.repeat(43),
  dir: '/backups',
};
const client = (version: string): OpenSshClient => {
  const [major, minor] = /(\d+)\.(\d+)/.exec(version)!.slice(1).map(Number) as [number, number];
  return { command: 'ssh', version, major, minor };
};

describe('openSshUnusableReason', () => {
  it('needs OpenSSH 8.4 for a password or a key passphrase (SSH_ASKPASS_REQUIRE), not for a plain key', () => {
    expect(openSshUnusableReason(client('OpenSSH_8.4p1'), settings, 'linux')).toBeUndefined();
    expect(openSshUnusableReason(client('OpenSSH_9.2p1'), settings, 'linux')).toBeUndefined();
    expect(openSshUnusableReason(client('OpenSSH_8.2p1'), settings, 'linux')).toBe(
      'OpenSSH_8.2p1 is older than OpenSSH 8.4 and cannot take a password without a terminal (SSH_ASKPASS_REQUIRE)',
    );
    const keyed = { ...settings, password: '', privateKey: 'KEY', passphrase: 'pp' };
    expect(openSshUnusableReason(client('OpenSSH_7.4p1'), keyed, 'linux')).toContain('key passphrase');
    expect(
      openSshUnusableReason(client('OpenSSH_7.4p1'), { ...keyed, passphrase: '' }, 'linux'),
    ).toBeUndefined();
  });

  it('is not used on Windows', () => {
    expect(openSshUnusableReason(client('OpenSSH_9.5p1'), settings, 'win32')).toMatch(/^on Windows/);
  });
});

describe('classifyOpenSshExit', () => {
  it('a changed host key is a host-key error (never retried) naming the key OpenSSH saw', () => {
    const stderr = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      'The fingerprint for the ED25519 key sent by the remote host is',
      `SHA256:${'b'.repeat(43)}.`,
      'Host key verification failed.',
    ].join('\n');
    const error = classifyOpenSshExit(stderr, settings);
    expect(error.kind).toBe('host-key');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `host key refused by OpenSSH: backup.example.com:2222 presented the key SHA256:${'b'.repeat(43)} to OpenSSH, ` +
        'not the one checked against sftp-fingerprint a moment before; nothing was sent. Someone may be ' +
        'intercepting the connection (Host key verification failed).',
    );
  });

  it('a dropped connection is retryable', () => {
    for (const stderr of [
      'Connection to 127.0.0.1 closed by remote host.',
      'client_loop: send disconnect: Broken pipe',
      'Timeout, server backup.example.com not responding.',
      'ssh: connect to host backup.example.com port 2222: Connection refused',
    ]) {
      const error = classifyOpenSshExit(stderr, settings);
      expect(error.kind).toBe('connection');
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`connection to backup.example.com:2222 lost (OpenSSH: ${stderr})`);
    }
  });

  it("anything else is OpenSSH's own problem (the built-in transfer takes over), without secrets", () => {
    const error = classifyOpenSshExit('oracle@backup: Permission denied (S3cret-pw).\n', settings);
    expect(error.kind).toBe('config');
    expect(error.code).toBe('OPENSSH');
    expect(error.message).toBe(
      'OpenSSH (ssh -s sftp) to backup.example.com:2222 failed: oracle@backup: Permission denied (***).',
    );
  });
});

describe('cipher order and host key algorithms', () => {
  it('puts AES-GCM first only where the CPU has AES instructions', () => {
    expect(cpuHasAes('flags\t\t: fpu vme sse2 aes avx2 sha_ni\n')).toBe(true);
    expect(cpuHasAes('flags\t\t: fpu vme sse2 avx2\n')).toBe(false);
    expect(cpuHasAes('Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n')).toBe(true);
    expect(cpuHasAes('Features\t: fp asimd evtstrm crc32\n')).toBe(false);
    expect(cpuHasAes('processor : 0\n')).toBe(true);
    // The same algorithms as OpenSSH's default, only reordered.
    expect(AES_GCM_FIRST.split(',').sort()).toEqual(
      [
        'chacha20-poly1305@openssh.com',
        'aes128-ctr',
        'aes192-ctr',
        'aes256-ctr',
        'aes128-gcm@openssh.com',
        'aes256-gcm@openssh.com',
      ].sort(),
    );
  });

  it('pins the algorithm family of the verified key', () => {
    const blob = (type: string) => {
      const name = Buffer.from(type);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(name.length);
      return Buffer.concat([length, name, Buffer.alloc(32, 1)]);
    };
    expect(hostKeyAlgorithms(keyBlobType(blob('ssh-ed25519')))).toBe('ssh-ed25519');
    expect(hostKeyAlgorithms(keyBlobType(blob('ecdsa-sha2-nistp256')))).toBe('ecdsa-sha2-nistp256');
    expect(hostKeyAlgorithms(keyBlobType(blob('ssh-rsa')))).toBe('rsa-sha2-512,rsa-sha2-256,ssh-rsa');
    expect(() => keyBlobType(blob('bad name\n'))).toThrow(/cannot be read/);
  });
});
