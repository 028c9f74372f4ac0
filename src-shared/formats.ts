/**
 * The log formats a source can be read as: one list, imported by the parsers, the contract's
 * import method, `vigil parse` and the HTTP API. `auto` lets the sniffer choose.
 */
export const LOG_FORMATS = ['syslog5424', 'syslog3164', 'auth', 'access', 'weberror', 'jsonl', 'raw'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const FORMAT_CHOICES = ['auto', ...LOG_FORMATS] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number];
