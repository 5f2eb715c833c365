// The words of the reports (e-mail, job summary) in each `report-language`. English is the reference:
// its keys and `{param}` names are the type every other catalogue must match, so a missing key does not compile.
// What the pipeline writes itself (reasons, Oracle findings and their advice, paths) stays as written; the advice
// for local failures (advice.ts) is here, so the summary shows it in the report language.
import { formatElapsed as elapsed } from '../settings/parse.js';

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
  'section.freeSpace': 'Free space',
  'space.place': 'Place',
  'space.folder': 'Folder',
  'space.free': 'Free',
  'space.ofTotal': '{free} of {total} ({percent}% free)',
  'space.change': 'Since the last run',
  'space.first': 'first measurement',
  'space.notMeasured': 'not measured: the folder is missing or not reachable',
  'space.measured': 'Measured at the end of the run, after retention.',
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
  'schema.skippedAlso': 'Also skipped: {tables}',
  'schema.skippedMore.one': 'and {count} more table, listed under skippedTables in the report JSON',
  'schema.skippedMore.other': 'and {count} more tables, listed under skippedTables in the report JSON',

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
  'destination.transfer': 'transfer: {transfer}',
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

  // The job summary (summary.ts): the same content as the e-mail, plus retention, trend and size alerts.
  'summary.title': 'Oracle backup: {status}',
  'summary.titleDryRun': 'Oracle backup dry run: {status}',
  'summary.database': 'Database {database}',
  'summary.started': 'started {time}',
  'summary.took': 'took {duration}',
  'summary.exported': 'exported {size}',
  'summary.archived': 'archived {size}',
  'summary.more': '…and {count} more in the run log.',
  'summary.cut': "…the summary was shortened to stay under GitHub's size limit; the run log has everything.",
  'summary.retention': 'Retention',
  'summary.parfile': '{schema}: parfile',
  'summary.runLog': 'run log {path}',
  'summary.report': 'report {path}',
  'col.tables': 'Tables',
  'col.archive': 'Archive',
  'col.throughput': 'Throughput',

  'retention.place': 'Place',
  'retention.kept': 'Kept',
  'retention.deleted': 'Deleted',
  'retention.wouldDelete': 'Would delete',
  'retention.freed': 'Freed',
  'retention.oldestKept': 'Oldest kept',
  'retention.newestKept': 'Newest kept',
  'retention.note': 'Note',
  'retention.failed': '{count} failed',
  'retention.setsDeleted': 'Deleted {count} backup set(s)',
  'retention.setsWouldDelete': 'Would delete {count} backup set(s)',
  'retention.dumpsDeleted': 'deleted {count} leftover dump file(s) of earlier runs ({size})',
  'retention.dumpsWouldDelete': 'would delete {count} leftover dump file(s) of earlier runs ({size})',
  'retention.logsDeleted': 'deleted {count} run log(s) older than {days} days',
  'retention.logsWouldDelete': 'would delete {count} run log(s) older than {days} days',

  'trend.title': 'Trend of the last {count} runs',
  'trend.size': 'Archive size ({unit})',
  'trend.duration': 'Duration ({unit})',
  'trend.figures': 'Figures of these runs',
  'trend.run': 'Run',
  'trend.none':
    'The trend of archive size and duration appears from the next run on: the figures of each run are kept in work-dir and carried between runners by the Actions cache.',

  'alert.title': 'Size changes against the last good run',
  'alert.intro':
    'A dump that shrank or grew by {percent}% or more since the last good run can mean a dropped table or a runaway log table: check it before relying on this backup.',
  'alert.shrank': 'shrank by {percent}%',
  'alert.grew': 'grew by {percent}%',
  'alert.before': 'Last good run',
  'alert.now': 'This run',
  'alert.change': 'Change',

  // Where the settings came from, when a config file was used (summary and e-mail).
  'section.settings': 'Settings',
  'settings.configured':
    'Configured from {path}: {file} from the file · {workflow} from workflow inputs · {defaults} at their defaults.',
  'settings.overridden':
    'Given both in the file and as workflow inputs, with different values: the workflow input won.',
  'col.setting': 'Setting',
  'settings.used': 'Used',
  'settings.workflowInput': 'workflow input',
  'settings.workflowValue': 'Workflow input',
  'settings.fileValue': 'Config file',
  'settings.secret': 'secret, not shown',
  'settings.fileSecret': '{key} (secret, not shown)',

  // Local failures (advice.ts): what happened and what to do, next to the Oracle codes of oracle-messages.ts.
  'advice.expdpNotFound.meaning': 'the Data Pump client (expdp) was not found on the runner',
  'advice.expdpNotFound.fix':
    "Install an Oracle client with Data Pump on the runner and set oracle-home to a full client's home (with bin/expdp), or, for Instant Client (Basic + Tools packages), put its folder on PATH; check that the runner account may execute it.",
  'advice.diskFull.meaning': 'a disk on the runner or at a destination is full',
  'advice.diskFull.fix':
    'Free space where the message says (old archives, leftover dump files, other data) or move work-dir to a larger disk; lower keep-max or retention-days so that retention frees more, and size the disk for the largest dump plus its archive.',
  'advice.shareUnreachable.meaning': 'the network folder (copy-to) could not be reached',
  'advice.shareUnreachable.fix':
    'Check that the share is mounted on the runner (or, on Windows, reachable by its UNC path), that its server is up and reachable, and that the runner account has access to it (service accounts do not see mapped drive letters: use the UNC path); the verified archive stays in work-dir, copy it there again once the share is back.',
  'advice.permissionDenied.meaning': 'the runner account may not write to a folder',
  'advice.permissionDenied.fix':
    'Give the account the job runs as write permission on the folder named (or choose another folder); for a share, on the share and on its file system.',
  'advice.sftpRefused.meaning': 'the SFTP server refused the connection or the login',
  'advice.sftpRefused.fix':
    'Check sftp-host and sftp-port, that the SSH server runs and a firewall lets the runner through, and sftp-username with sftp-private-key or sftp-password (the server may also limit the login methods or source addresses); the verified archive stays in work-dir.',
  'advice.sftpHostKey.meaning': "the SFTP server's host key is not the one in sftp-fingerprint",
  'advice.sftpHostKey.fix':
    "Nothing was sent. Ask the server's administrator whether the key was changed; only then check the new fingerprint out of band and update sftp-fingerprint. An unexpected change may mean someone is intercepting the connection.",
  'advice.smtpRefused.meaning': 'the mail server refused the connection, the encryption or the login',
  'advice.smtpRefused.fix':
    'Check smtp-host, smtp-port with smtp-security (587 starttls, 465 tls), smtp-username and smtp-password (an app password where the provider asks for one), smtp-ca for a relay with a private certificate, and that the runner may reach the relay; the backup itself is not affected.',
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
  'section.freeSpace': 'Espaço livre',
  'space.place': 'Local',
  'space.folder': 'Pasta',
  'space.free': 'Livre',
  'space.ofTotal': '{free} de {total} ({percent}% livre)',
  'space.change': 'Desde a última execução',
  'space.first': 'primeira medição',
  'space.notMeasured': 'não medido: a pasta não existe ou não está acessível',
  'space.measured': 'Medido no fim da execução, depois da retenção.',
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
  'schema.skippedAlso': 'Também ignoradas: {tables}',
  'schema.skippedMore.one': 'e mais {count} tabela, listada em skippedTables no JSON do relatório',
  'schema.skippedMore.other': 'e mais {count} tabelas, listadas em skippedTables no JSON do relatório',

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
  'destination.transfer': 'transferência: {transfer}',
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

  'summary.title': 'Backup Oracle: {status}',
  'summary.titleDryRun': 'Simulação de backup Oracle: {status}',
  'summary.database': 'Banco de dados {database}',
  'summary.started': 'início {time}',
  'summary.took': 'duração {duration}',
  'summary.exported': 'exportado {size}',
  'summary.archived': 'compactado {size}',
  'summary.more': '…e mais {count} no log de execução.',
  'summary.cut':
    '…o resumo foi encurtado para ficar abaixo do limite de tamanho do GitHub; o log de execução tem tudo.',
  'summary.retention': 'Retenção',
  'summary.parfile': '{schema}: arquivo de parâmetros (parfile)',
  'summary.runLog': 'log de execução {path}',
  'summary.report': 'relatório {path}',
  'col.tables': 'Tabelas',
  'col.archive': 'Arquivo ZIP',
  'col.throughput': 'Velocidade',

  'retention.place': 'Local',
  'retention.kept': 'Mantidos',
  'retention.deleted': 'Apagados',
  'retention.wouldDelete': 'Seriam apagados',
  'retention.freed': 'Liberado',
  'retention.oldestKept': 'Mais antigo mantido',
  'retention.newestKept': 'Mais recente mantido',
  'retention.note': 'Observação',
  'retention.failed': '{count} falharam',
  'retention.setsDeleted': '{count} conjunto(s) de backup apagado(s)',
  'retention.setsWouldDelete': '{count} conjunto(s) de backup seriam apagados',
  'retention.dumpsDeleted':
    '{count} arquivo(s) de dump restante(s) de execuções anteriores apagado(s) ({size})',
  'retention.dumpsWouldDelete':
    '{count} arquivo(s) de dump restante(s) de execuções anteriores seriam apagados ({size})',
  'retention.logsDeleted': '{count} log(s) de execução com mais de {days} dias apagado(s)',
  'retention.logsWouldDelete': '{count} log(s) de execução com mais de {days} dias seriam apagados',

  'trend.title': 'Tendência das últimas {count} execuções',
  'trend.size': 'Tamanho do arquivo ZIP ({unit})',
  'trend.duration': 'Duração ({unit})',
  'trend.figures': 'Números dessas execuções',
  'trend.run': 'Execução',
  'trend.none':
    'A tendência do tamanho do arquivo ZIP e da duração aparece a partir da próxima execução: os números de cada execução ficam no work-dir e passam de um executor a outro pelo cache do Actions.',

  'alert.title': 'Mudanças de tamanho em relação à última execução boa',
  'alert.intro':
    'Um dump que diminuiu ou cresceu {percent}% ou mais desde a última execução boa pode indicar uma tabela removida ou uma tabela de log descontrolada: verifique antes de confiar neste backup.',
  'alert.shrank': 'diminuiu {percent}%',
  'alert.grew': 'cresceu {percent}%',
  'alert.before': 'Última execução boa',
  'alert.now': 'Esta execução',
  'alert.change': 'Variação',

  'section.settings': 'Configurações',
  'settings.configured':
    'Configurado a partir de {path}: {file} do arquivo · {workflow} de entradas do workflow · {defaults} com o valor padrão.',
  'settings.overridden':
    'Definidas no arquivo e como entradas do workflow, com valores diferentes: valeu a entrada do workflow.',
  'col.setting': 'Configuração',
  'settings.used': 'Usado',
  'settings.workflowInput': 'entrada do workflow',
  'settings.workflowValue': 'Entrada do workflow',
  'settings.fileValue': 'Arquivo de configuração',
  'settings.secret': 'segredo, não exibido',
  'settings.fileSecret': '{key} (segredo, não exibido)',

  'advice.expdpNotFound.meaning': 'o cliente do Data Pump (expdp) não foi encontrado no executor',
  'advice.expdpNotFound.fix':
    'Instale no executor um cliente Oracle com Data Pump e defina oracle-home com a pasta de um cliente completo (com bin/expdp) ou, para o Instant Client (pacotes Basic + Tools), coloque a pasta dele no PATH; verifique se a conta do executor pode executá-lo.',
  'advice.diskFull.meaning': 'um disco do executor ou de um destino está cheio',
  'advice.diskFull.fix':
    'Libere espaço onde a mensagem indica (arquivos ZIP antigos, dumps restantes, outros dados) ou mova o work-dir para um disco maior; reduza keep-max ou retention-days para que a retenção libere mais, e dimensione o disco para o maior dump mais o seu arquivo ZIP.',
  'advice.shareUnreachable.meaning': 'a pasta de rede (copy-to) não pôde ser acessada',
  'advice.shareUnreachable.fix':
    'Verifique se o compartilhamento está montado no executor (ou, no Windows, acessível pelo caminho UNC), se o servidor dele está no ar e acessível e se a conta do executor tem acesso a ele (contas de serviço não veem letras de unidade mapeadas: use o caminho UNC); o arquivo ZIP verificado fica no work-dir, copie-o de novo quando o compartilhamento voltar.',
  'advice.permissionDenied.meaning': 'a conta do executor não pode gravar em uma pasta',
  'advice.permissionDenied.fix':
    'Dê à conta com que o job roda permissão de escrita na pasta indicada (ou escolha outra pasta); num compartilhamento, no compartilhamento e no sistema de arquivos dele.',
  'advice.sftpRefused.meaning': 'o servidor SFTP recusou a conexão ou o login',
  'advice.sftpRefused.fix':
    'Verifique sftp-host e sftp-port, se o servidor SSH está rodando e se o firewall deixa o executor passar, e sftp-username com sftp-private-key ou sftp-password (o servidor também pode limitar os métodos de login ou os endereços de origem); o arquivo ZIP verificado fica no work-dir.',
  'advice.sftpHostKey.meaning': 'a chave do servidor SFTP não é a de sftp-fingerprint',
  'advice.sftpHostKey.fix':
    'Nada foi enviado. Pergunte ao administrador do servidor se a chave foi trocada; só então confira a nova impressão digital por outro canal e atualize sftp-fingerprint. Uma troca inesperada pode significar que alguém está interceptando a conexão.',
  'advice.smtpRefused.meaning': 'o servidor de e-mail recusou a conexão, a criptografia ou o login',
  'advice.smtpRefused.fix':
    'Verifique smtp-host, smtp-port com smtp-security (587 starttls, 465 tls), smtp-username e smtp-password (uma senha de app quando o provedor exigir), smtp-ca para um relay com certificado privado, e se o executor alcança o relay; o backup em si não é afetado.',
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
  'section.freeSpace': 'Espacio libre',
  'space.place': 'Lugar',
  'space.folder': 'Carpeta',
  'space.free': 'Libre',
  'space.ofTotal': '{free} de {total} ({percent}% libre)',
  'space.change': 'Desde la última ejecución',
  'space.first': 'primera medición',
  'space.notMeasured': 'no medido: la carpeta no existe o no es accesible',
  'space.measured': 'Medido al final de la ejecución, después de la retención.',
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
  'schema.skippedAlso': 'También omitidas: {tables}',
  'schema.skippedMore.one': 'y {count} tabla más, listada en skippedTables del JSON del informe',
  'schema.skippedMore.other': 'y {count} tablas más, listadas en skippedTables del JSON del informe',

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
  'destination.transfer': 'transferencia: {transfer}',
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

  'summary.title': 'Respaldo de Oracle: {status}',
  'summary.titleDryRun': 'Simulación de respaldo de Oracle: {status}',
  'summary.database': 'Base de datos {database}',
  'summary.started': 'inicio {time}',
  'summary.took': 'duración {duration}',
  'summary.exported': 'exportado {size}',
  'summary.archived': 'comprimido {size}',
  'summary.more': '…y {count} más en el registro de ejecución.',
  'summary.cut':
    '…el resumen se acortó para no superar el límite de tamaño de GitHub; el registro de ejecución lo tiene todo.',
  'summary.retention': 'Retención',
  'summary.parfile': '{schema}: archivo de parámetros (parfile)',
  'summary.runLog': 'registro de ejecución {path}',
  'summary.report': 'informe {path}',
  'col.tables': 'Tablas',
  'col.archive': 'Archivo ZIP',
  'col.throughput': 'Velocidad',

  'retention.place': 'Lugar',
  'retention.kept': 'Conservados',
  'retention.deleted': 'Borrados',
  'retention.wouldDelete': 'Se borrarían',
  'retention.freed': 'Liberado',
  'retention.oldestKept': 'Más antiguo conservado',
  'retention.newestKept': 'Más reciente conservado',
  'retention.note': 'Nota',
  'retention.failed': '{count} fallidos',
  'retention.setsDeleted': '{count} conjunto(s) de respaldo borrado(s)',
  'retention.setsWouldDelete': 'Se borrarían {count} conjunto(s) de respaldo',
  'retention.dumpsDeleted':
    'se borraron {count} archivo(s) de volcado sobrantes de ejecuciones anteriores ({size})',
  'retention.dumpsWouldDelete':
    'se borrarían {count} archivo(s) de volcado sobrantes de ejecuciones anteriores ({size})',
  'retention.logsDeleted': 'se borraron {count} registro(s) de ejecución de más de {days} días',
  'retention.logsWouldDelete': 'se borrarían {count} registro(s) de ejecución de más de {days} días',

  'trend.title': 'Tendencia de las últimas {count} ejecuciones',
  'trend.size': 'Tamaño del archivo ZIP ({unit})',
  'trend.duration': 'Duración ({unit})',
  'trend.figures': 'Cifras de estas ejecuciones',
  'trend.run': 'Ejecución',
  'trend.none':
    'La tendencia del tamaño del archivo ZIP y de la duración aparece desde la próxima ejecución: las cifras de cada ejecución se guardan en work-dir y pasan de un ejecutor a otro con la caché de Actions.',

  'alert.title': 'Cambios de tamaño respecto de la última ejecución correcta',
  'alert.intro':
    'Un volcado que se redujo o creció un {percent}% o más desde la última ejecución correcta puede indicar una tabla eliminada o una tabla de registro desbocada: revíselo antes de confiar en este respaldo.',
  'alert.shrank': 'se redujo un {percent}%',
  'alert.grew': 'creció un {percent}%',
  'alert.before': 'Última ejecución correcta',
  'alert.now': 'Esta ejecución',
  'alert.change': 'Variación',

  'section.settings': 'Configuración',
  'settings.configured':
    'Configurado desde {path}: {file} del archivo · {workflow} de entradas del workflow · {defaults} con el valor predeterminado.',
  'settings.overridden':
    'Definidos en el archivo y como entradas del workflow, con valores distintos: prevaleció la entrada del workflow.',
  'col.setting': 'Ajuste',
  'settings.used': 'Usado',
  'settings.workflowInput': 'entrada del workflow',
  'settings.workflowValue': 'Entrada del workflow',
  'settings.fileValue': 'Archivo de configuración',
  'settings.secret': 'secreto, no se muestra',
  'settings.fileSecret': '{key} (secreto, no se muestra)',

  'advice.expdpNotFound.meaning': 'no se encontró el cliente de Data Pump (expdp) en el ejecutor',
  'advice.expdpNotFound.fix':
    'Instale en el ejecutor un cliente de Oracle con Data Pump y defina oracle-home con la carpeta de un cliente completo (con bin/expdp) o, para Instant Client (paquetes Basic + Tools), añada su carpeta al PATH; compruebe que la cuenta del ejecutor puede ejecutarlo.',
  'advice.diskFull.meaning': 'un disco del ejecutor o de un destino está lleno',
  'advice.diskFull.fix':
    'Libere espacio donde indica el mensaje (archivos ZIP antiguos, volcados sobrantes, otros datos) o mueva work-dir a un disco más grande; reduzca keep-max o retention-days para que la retención libere más, y dimensione el disco para el mayor volcado más su archivo ZIP.',
  'advice.shareUnreachable.meaning': 'no se pudo acceder a la carpeta de red (copy-to)',
  'advice.shareUnreachable.fix':
    'Compruebe que el recurso compartido esté montado en el ejecutor (o, en Windows, accesible por su ruta UNC), que su servidor esté encendido y accesible y que la cuenta del ejecutor tenga acceso (las cuentas de servicio no ven las letras de unidad asignadas: use la ruta UNC); el archivo ZIP verificado sigue en work-dir: cópielo de nuevo cuando el recurso vuelva.',
  'advice.permissionDenied.meaning': 'la cuenta del ejecutor no puede escribir en una carpeta',
  'advice.permissionDenied.fix':
    'Dé a la cuenta con la que se ejecuta el job permiso de escritura en la carpeta indicada (o elija otra carpeta); en un recurso compartido, en el recurso y en su sistema de archivos.',
  'advice.sftpRefused.meaning': 'el servidor SFTP rechazó la conexión o el inicio de sesión',
  'advice.sftpRefused.fix':
    'Compruebe sftp-host y sftp-port, que el servidor SSH esté en marcha y que el cortafuegos deje pasar al ejecutor, y sftp-username con sftp-private-key o sftp-password (el servidor también puede limitar los métodos de inicio de sesión o las direcciones de origen); el archivo ZIP verificado sigue en work-dir.',
  'advice.sftpHostKey.meaning': 'la clave del servidor SFTP no es la de sftp-fingerprint',
  'advice.sftpHostKey.fix':
    'No se envió nada. Pregunte al administrador del servidor si la clave cambió; solo entonces compruebe la nueva huella por otro canal y actualice sftp-fingerprint. Un cambio inesperado puede significar que alguien intercepta la conexión.',
  'advice.smtpRefused.meaning': 'el servidor de correo rechazó la conexión, el cifrado o el inicio de sesión',
  'advice.smtpRefused.fix':
    'Compruebe smtp-host, smtp-port con smtp-security (587 starttls, 465 tls), smtp-username y smtp-password (una contraseña de aplicación si el proveedor la exige), smtp-ca para un relay con certificado privado, y que el ejecutor llegue al relay; el respaldo en sí no se ve afectado.',
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

/**
 * Milliseconds as reports show them, the same in every language and as the run log writes them (formatElapsed of
 * the settings: `<1s` below a second, else whole seconds as `1h30m5s`). `lang` is kept for the callers' symmetry.
 */
export function formatElapsed(_lang: ReportLanguage, ms: number): string {
  return elapsed(ms);
}

/**
 * A point in time as the summary, the e-mail and its text part show it: `2026-12-08 01:30 UTC`, or
 * `2026-12-07 22:30 -03:00` in the runner's zone (`timeZone`, an IANA name; UTC unless given). Year-month-day and a
 * 24-hour clock read the same in every language and sort; the zone is always shown, as `UTC` or its offset, so a
 * DBA in another zone can tell. The report JSON keeps ISO strings; only what people read goes through here.
 */
export function formatDateTime(_lang: ReportLanguage, iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return (
    `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ` +
    timeZoneLabel(date, timeZone)
  );
}

/** `UTC` at offset zero, else the offset as `-03:00` / `+05:30`. */
function timeZoneLabel(date: Date, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  const offset = part?.value.replace(/^GMT/, '') ?? '';
  return offset === '' || /^[+-]00:00$/.test(offset) ? 'UTC' : offset;
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
