// An error the CLI reports: a stable type, one human line, and a hint. Server errors
// arrive in the same shape ({ error: { type, message, hint } }).
export class CliError extends Error {
  override name = 'CliError';
  constructor(readonly type: string, message: string, readonly hint?: string, readonly details?: unknown) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { type: this.type, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...(this.details ? { details: this.details } : {}) };
  }
}
