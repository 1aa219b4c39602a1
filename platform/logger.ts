import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * pino, with secrets and personal data redacted wherever they may appear in a log object:
 * tokens, authorization headers, secrets, and free-text comments.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pulsecoach' },
      redact: {
        paths: [
          'token',
          '*.token',
          'authSecret',
          '*.authSecret',
          'openaiApiKey',
          '*.openaiApiKey',
          'req.headers.authorization',
          'headers.authorization',
          'comment',
          '*.comment',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
