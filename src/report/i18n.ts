// The words of the reports (e-mail, later the job summary) in each `report-language`. English is the reference:
// its keys and `{param}` names are the type every other catalogue must match, so a missing key does not compile.
// What the pipeline writes itself (reasons, Oracle findings and their advice, paths) stays as written.
import { formatDuration } from '../settings/parse.js';

export const REPORT_LANGUAGES = ['en', 'pt-BR', 'es'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

const en = {
  'status.success': 'Success',
  'status.partial': 'Partial',
  'status.failure': 'Failure',

  'outcome.success': 'success',
  'outcome.warning': 'completed with errors',
  'outcome.failed': 'failed',

  'subject.backup': 'Oracle backup',
  'subject.dryRun': 'dry run',
  'subject.schemas': '{ok}/{total} schemas OK',

  'banner.title': 'Oracle backup · {database}',
  'banner.dryRun': 'Dry run: nothing was exported or deleted.',

  'fact.database': 'Database',
  'fact.host': 'Runner',
  'fact.started': 'Started',
  'fact.duration': 'Duration',
  'fact.schemas': 'Schemas OK',
  'fact.exported': 'Exported',
  'fact.archived': 'Archived',

  'section.schemas': 'Schemas',
  'section.dumpSizes': 'Dump size per schema',
  'section.phases': 'Time per phase',
  'section.archives': 'Archives and copies',
  'section.problems': 'Warnings and errors: what to do',
  'section.preflight': 'Pre-flight checks',
  'section.plan': 'Plan',
  'section.log': 'Last {count} lines of the run log',

  'col.schema': 'Schema',
  'col.status': 'Status',
  'col.rows': 'Rows',
  'col.dumpSize': 'Dump',
  'col.archiveShare': 'Archive share',
  'col.compression': 'Ratio',
  'col.time': 'Time',
  'col.destination': 'Destination',
  'col.result': 'Result',
  'col.verification': 'Verification',
  'col.check': 'Check',
  'col.detail': 'Detail',

  'schema.tables.one': '{count} table',
  'schema.tables.other': '{count} tables',
  'schema.skipped': 'Skipped tables: {tables}',

  'phase.export': 'Export {schema}',
  'phase.archive': 'Zip and verify {archive}',
  'phase.copy': 'Copy to {destination}',
  'phase.total': 'Whole run: {duration}',

  'archive.schemas': 'Schemas',
  'archive.size': 'Size',
  'archive.encrypted': 'Encryption',
  'archive.aes': 'AES-256',
  'archive.notEncrypted': 'none',
  'archive.verified': 'Verified',
  'archive.verifiedOk': 'every entry re-read and matched',
  'archive.notVerified': 'NOT verified: {problems}',
  'archive.sha256': 'SHA-256',
  'archive.noDestinations': 'No copy was made.',

  'destination.local': 'work-dir',
  'destination.folder': 'folder',
  'destination.sftp': 'SFTP',
  'destination.copied': 'copied',
  'destination.failed': 'failed',

  'problem.run': 'Run',
  'problem.warning': 'Warning',
  'problem.error': 'Error',
  'problem.whatToDo': 'What to do:',
  'problem.copyFailed': 'copy of {archive} to {destination} failed: {error}',
  'problem.copyAdvice':
    'Check that the destination is reachable and writable and has free space, then copy the archive and its manifest there again (the work-dir copy is verified).',
  'problems.none': 'No warnings and no errors.',
  'problems.more': '…and {count} more in the attached run log.',

  'preflight.ok': 'ok',
  'preflight.failed': 'failed',

  'plan.archives': 'Archives: {names}',
  'plan.destinations': 'Destinations: {names}',
  'plan.schema': '{schema}: job {job}, dump file {file}',

  'log.attached': 'The full run log is attached as {name}.',
  'log.empty': 'The run log is empty.',

  'footer.sentBy': 'Sent by {tool} {version} · run {id}',
  'footer.files': 'Run log: {log} · report: {report}',
  'value.none': '—',
} as const;

/** A key of the catalogue. */
export type MessageKey = keyof typeof en;
/** A complete catalogue: every key of English, each a text (with the same `{params}`). */
export type Messages = Record<MessageKey, string>;

/** `{a} and {b}` → 'a' | 'b'. */
type ParamNames<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | ParamNames<Rest>
  : never;
export type MessageParams<K extends MessageKey> = Record<ParamNames<(typeof en)[K]>, string | number>;
/** Keys with plural forms (`x.one` / `x.other`), without the suffix. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer B}.one` ? B : never) : never;

const ptBR: Messages = {
  'status.success': 'Sucesso',
  'status.partial': 'Parcial',
  'status.failure': 'Falha',

  'outcome.success': 'sucesso',
  'outcome.warning': 'concluído com erros',
  'outcome.failed': 'falhou',

  'subject.backup': 'Backup Oracle',
  'subject.dryRun': 'simulação',
  'subject.schemas': '{ok}/{total} schemas OK',

  'banner.title': 'Backup Oracle · {database}',
  'banner.dryRun': 'Simulação: nada foi exportado nem apagado.',

  'fact.database': 'Banco de dados',
  'fact.host': 'Executor',
  'fact.started': 'Início',
  'fact.duration': 'Duração',
  'fact.schemas': 'Schemas OK',
  'fact.exported': 'Exportado',
  'fact.archived': 'Compactado',

  'section.schemas': 'Schemas',
  'section.dumpSizes': 'Tamanho do dump por schema',
  'section.phases': 'Tempo por etapa',
  'section.archives': 'Arquivos ZIP e cópias',
  'section.problems': 'Avisos e erros: o que fazer',
  'section.preflight': 'Verificações iniciais',
  'section.plan': 'Plano',
  'section.log': 'Últimas {count} linhas do log de execução',

  'col.schema': 'Schema',
  'col.status': 'Situação',
  'col.rows': 'Linhas',
  'col.dumpSize': 'Dump',
  'col.archiveShare': 'Parte no ZIP',
  'col.compression': 'Compressão',
  'col.time': 'Tempo',
  'col.destination': 'Destino',
  'col.result': 'Resultado',
  'col.verification': 'Verificação',
  'col.check': 'Verificação',
  'col.detail': 'Detalhe',

  'schema.tables.one': '{count} tabela',
  'schema.tables.other': '{count} tabelas',
  'schema.skipped': 'Tabelas ignoradas: {tables}',

  'phase.export': 'Exportar {schema}',
  'phase.archive': 'Compactar e verificar {archive}',
  'phase.copy': 'Copiar para {destination}',
  'phase.total': 'Execução completa: {duration}',

  'archive.schemas': 'Schemas',
  'archive.size': 'Tamanho',
  'archive.encrypted': 'Criptografia',
  'archive.aes': 'AES-256',
  'archive.notEncrypted': 'nenhuma',
  'archive.verified': 'Verificado',
  'archive.verifiedOk': 'todas as entradas relidas e conferidas',
  'archive.notVerified': 'NÃO verificado: {problems}',
  'archive.sha256': 'SHA-256',
  'archive.noDestinations': 'Nenhuma cópia foi feita.',

  'destination.local': 'work-dir',
  'destination.folder': 'pasta',
  'destination.sftp': 'SFTP',
  'destination.copied': 'copiado',
  'destination.failed': 'falhou',

  'problem.run': 'Execução',
  'problem.warning': 'Aviso',
  'problem.error': 'Erro',
  'problem.whatToDo': 'O que fazer:',
  'problem.copyFailed': 'a cópia de {archive} para {destination} falhou: {error}',
  'problem.copyAdvice':
    'Verifique se o destino está acessível, com permissão de escrita e espaço livre, e copie de novo o arquivo ZIP e seu manifesto (a cópia no work-dir está verificada).',
  'problems.none': 'Nenhum aviso e nenhum erro.',
  'problems.more': '…e mais {count} no log de execução anexo.',

  'preflight.ok': 'ok',
  'preflight.failed': 'falhou',

  'plan.archives': 'Arquivos ZIP: {names}',
  'plan.destinations': 'Destinos: {names}',
  'plan.schema': '{schema}: job {job}, arquivo de dump {file}',

  'log.attached': 'O log de execução completo está anexo como {name}.',
  'log.empty': 'O log de execução está vazio.',

  'footer.sentBy': 'Enviado por {tool} {version} · execução {id}',
  'footer.files': 'Log de execução: {log} · relatório: {report}',
  'value.none': '—',
};

const es: Messages = {
  'status.success': 'Éxito',
  'status.partial': 'Parcial',
  'status.failure': 'Fallo',

  'outcome.success': 'correcto',
  'outcome.warning': 'completado con errores',
  'outcome.failed': 'fallido',

  'subject.backup': 'Respaldo de Oracle',
  'subject.dryRun': 'simulación',
  'subject.schemas': '{ok}/{total} esquemas OK',

  'banner.title': 'Respaldo de Oracle · {database}',
  'banner.dryRun': 'Simulación: no se exportó ni se borró nada.',

  'fact.database': 'Base de datos',
  'fact.host': 'Ejecutor',
  'fact.started': 'Inicio',
  'fact.duration': 'Duración',
  'fact.schemas': 'Esquemas OK',
  'fact.exported': 'Exportado',
  'fact.archived': 'Comprimido',

  'section.schemas': 'Esquemas',
  'section.dumpSizes': 'Tamaño del volcado por esquema',
  'section.phases': 'Tiempo por fase',
  'section.archives': 'Archivos ZIP y copias',
  'section.problems': 'Advertencias y errores: qué hacer',
  'section.preflight': 'Comprobaciones previas',
  'section.plan': 'Plan',
  'section.log': 'Últimas {count} líneas del registro de ejecución',

  'col.schema': 'Esquema',
  'col.status': 'Estado',
  'col.rows': 'Filas',
  'col.dumpSize': 'Volcado',
  'col.archiveShare': 'Parte del ZIP',
  'col.compression': 'Compresión',
  'col.time': 'Tiempo',
  'col.destination': 'Destino',
  'col.result': 'Resultado',
  'col.verification': 'Verificación',
  'col.check': 'Comprobación',
  'col.detail': 'Detalle',

  'schema.tables.one': '{count} tabla',
  'schema.tables.other': '{count} tablas',
  'schema.skipped': 'Tablas omitidas: {tables}',

  'phase.export': 'Exportar {schema}',
  'phase.archive': 'Comprimir y verificar {archive}',
  'phase.copy': 'Copiar a {destination}',
  'phase.total': 'Ejecución completa: {duration}',

  'archive.schemas': 'Esquemas',
  'archive.size': 'Tamaño',
  'archive.encrypted': 'Cifrado',
  'archive.aes': 'AES-256',
  'archive.notEncrypted': 'ninguno',
  'archive.verified': 'Verificado',
  'archive.verifiedOk': 'todas las entradas releídas y comprobadas',
  'archive.notVerified': 'NO verificado: {problems}',
  'archive.sha256': 'SHA-256',
  'archive.noDestinations': 'No se hizo ninguna copia.',

  'destination.local': 'work-dir',
  'destination.folder': 'carpeta',
  'destination.sftp': 'SFTP',
  'destination.copied': 'copiado',
  'destination.failed': 'fallido',

  'problem.run': 'Ejecución',
  'problem.warning': 'Advertencia',
  'problem.error': 'Error',
  'problem.whatToDo': 'Qué hacer:',
  'problem.copyFailed': 'la copia de {archive} a {destination} falló: {error}',
  'problem.copyAdvice':
    'Compruebe que el destino sea accesible, admita escritura y tenga espacio libre, y vuelva a copiar el archivo ZIP y su manifiesto (la copia en work-dir está verificada).',
  'problems.none': 'Ninguna advertencia y ningún error.',
  'problems.more': '…y {count} más en el registro de ejecución adjunto.',

  'preflight.ok': 'ok',
  'preflight.failed': 'fallida',

  'plan.archives': 'Archivos ZIP: {names}',
  'plan.destinations': 'Destinos: {names}',
  'plan.schema': '{schema}: job {job}, archivo de volcado {file}',

  'log.attached': 'El registro de ejecución completo va adjunto como {name}.',
  'log.empty': 'El registro de ejecución está vacío.',

  'footer.sentBy': 'Enviado por {tool} {version} · ejecución {id}',
  'footer.files': 'Registro de ejecución: {log} · informe: {report}',
  'value.none': '—',
};

export const CATALOGUES: Readonly<Record<ReportLanguage, Messages>> = { en, 'pt-BR': ptBR, es };

/** The whole catalogue of a language (for reports that lay out many texts at once). */
export function messages(lang: ReportLanguage): Messages {
  return CATALOGUES[lang];
}

/** The `{param}` names a template uses, in order of first use. */
export function templateParams(template: string): string[] {
  return [...new Set([...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] ?? ''))];
}

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** One text in `lang`; the parameters are checked against the English template at compile time. */
export function t<K extends MessageKey>(
  lang: ReportLanguage,
  key: K,
  ...params: [ParamNames<(typeof en)[K]>] extends [never] ? [] : [MessageParams<K>]
): string {
  return fill(CATALOGUES[lang][key], params[0] ?? {});
}

/** A counted text (`schema.tables` → `1 table` / `6 tables`), by the language's plural rules. */
export function tn(lang: ReportLanguage, key: PluralKey, count: number): string {
  // CLDR puts 0 with 1 in Portuguese ("0 tabela"); reports read better with the plural there.
  const form = count !== 0 && new Intl.PluralRules(lang).select(count) === 'one' ? 'one' : 'other';
  return fill(CATALOGUES[lang][`${key}.${form}`], { count: formatNumber(lang, count) });
}

/** `36,557` / `36.557` as the language writes it. */
export function formatNumber(lang: ReportLanguage, value: number, fractionDigits = 0): string {
  return new Intl.NumberFormat(lang, {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(value);
}

/** Binary units as the contract's sizes are, with the language's decimal mark (`4.2 GiB`, `4,2 GiB`). */
export function formatBytesIn(lang: ReportLanguage, bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(lang, value, unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Milliseconds as reports show them: `411 ms` below a second, else `1h30m5s`. */
export function formatElapsed(lang: ReportLanguage, ms: number): string {
  return ms < 1000 ? `${formatNumber(lang, Math.max(0, Math.round(ms)))} ms` : formatDuration(ms);
}

/** A point in time in the language's style, in `timeZone` (IANA name; UTC unless given). */
export function formatDateTime(lang: ReportLanguage, iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
    hourCycle: 'h23',
  })
    .format(date)
    .concat(` ${timeZoneLabel(date, timeZone)}`);
}

function timeZoneLabel(date: Date, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? timeZone;
}

/** `YYYY-MM-DD` of an instant in `timeZone`: the same in every language, and sortable in a mail client. */
export function isoDate(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso.slice(0, 10);
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(date);
}
