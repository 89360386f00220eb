import pino, { type Logger } from 'pino';

/**
 * The process logger. Secrets never reach it: credentials, cookies and tokens are redacted
 * wherever they appear in a logged object.
 */
export function createLogger(level: string, pretty = process.stdout.isTTY): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.passwordHash',
        '*.token',
        '*.secret',
        '*.secretSealed',
        '*.previousSecretSealed',
        'headers["webhook-signature"]',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
    ...(pretty && { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }),
  });
}
