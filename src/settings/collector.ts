// The house style of configuration errors, shared by every part of the settings: each names the input, shows the
// value (or "***" for secrets) and says what is allowed; all are collected and reported together.

/** How a secret (or a value that may hold one) is shown in a message. */
export const MASKED = '"***"';

/** A value as shown in a message: quoted, escaped, and cut short when long. */
export function show(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 97)}...` : value);
}

/** Collects errors, warnings and secrets in the order the inputs are checked. */
export class Collector {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private readonly secretSet = new Set<string>();

  /** `<input>: <shown> is not allowed; <clause>; <clause>.` */
  notAllowed(input: string, shown: string, ...clauses: string[]): void {
    this.errors.push(`${input}: ${shown} is not allowed; ${clauses.join('; ')}.`);
  }

  secret(...values: (string | undefined)[]): void {
    for (const value of values) if (value) this.secretSet.add(value);
  }

  get secrets(): string[] {
    return [...this.secretSet];
  }
}
