// The run log: every line timestamped and scrubbed of secrets before it is kept or shown anywhere.

/** DEBUG lines are internals for a developer: they go to `core.debug`, never into the DBA's run log. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface LogSink {
  (level: LogLevel, message: string): void;
}

/** Replaces every secret (longest first, so a secret containing another is masked whole) with `***`. */
export function makeMasker(secrets: string[]): (text: string) => string {
  const parts = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    parts.add(secret);
    // Multi-line secrets (private keys) are masked line by line too, as the runner does.
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 4) parts.add(line.trim());
  }
  const ordered = [...parts].sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text;
    for (const secret of ordered) result = result.split(secret).join('***');
    return result;
  };
}

export class RunLog {
  readonly lines: string[] = [];
  /** The DEBUG lines, kept apart from `lines` (what the run log file, summary and e-mail show). */
  readonly debugLines: string[] = [];
  private readonly mask: (text: string) => string;

  constructor(
    secrets: string[],
    private readonly clock: () => Date,
    private readonly sink?: LogSink,
  ) {
    this.mask = makeMasker(secrets);
  }

  /** An internal figure or step, for whoever debugs the action (the runner shows it with step debug logging). */
  debug(message: string): void {
    this.write('DEBUG', message);
  }

  info(message: string): void {
    this.write('INFO', message);
  }

  warn(message: string): void {
    this.write('WARN', message);
  }

  error(message: string): void {
    this.write('ERROR', message);
  }

  /** Masks any text with this run's secrets (for text that is not a log line, e.g. a parfile shown in a plan). */
  scrub(text: string): string {
    return this.mask(text);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }

  debugText(): string {
    return this.debugLines.join('\n') + '\n';
  }

  private write(level: LogLevel, message: string): void {
    const stamp = this.clock().toISOString();
    const clean = this.mask(message);
    const kept = level === 'DEBUG' ? this.debugLines : this.lines;
    for (const line of clean.split(/\r?\n/)) kept.push(`${stamp} ${level.padEnd(5)} ${line}`);
    this.sink?.(level, clean);
  }
}
