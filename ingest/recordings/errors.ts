/** Why a recording could not be imported; `message` is one human-readable line. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';

  constructor(message: string) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' ').trim());
  }
}
