/**
 * Removes from `env` every variable whose value is one of the run's secrets, and returns their names.
 *
 * A workflow hands secrets to the action through variables (`password-env: DB_PASSWORD`, or a step-level `env:`);
 * once the settings are read, the action needs them no more, and the programs it starts (expdp, ssh) inherit the
 * process environment: a secret left there is readable by anything those programs run or dump. `INPUT_*`
 * variables are left alone here because the export runner already starts expdp without them.
 */
export function withholdSecretVariables(env: NodeJS.ProcessEnv, secrets: readonly string[]): string[] {
  const values = new Set(secrets.filter((s) => s.length > 0));
  const removed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name.toUpperCase().startsWith('INPUT_')) continue;
    if (values.has(value) || values.has(value.trim())) {
      delete env[name];
      removed.push(name);
    }
  }
  return removed.sort();
}
