// Dump file names: the `%U` templates of a run and the paths Data Pump lists, shared by the pipeline and the post
// step (which removes a killed run's partial files by the same patterns).

/** Windows clients list `D:\DPDUMP\X.DMP`; take the last path element whatever the separator. */
export function baseName(listed: string): string {
  return listed.split(/[\\/]/).pop() ?? listed;
}

/** Turns a dump file name or `%U` template into a pattern for the files Data Pump wrote. */
export function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%[Uu]/g, '\\d{2,3}');
  return new RegExp(`^${escaped}$`, 'i');
}
