// The retry and age settings of asynchronous invocations, per function (qualifier '')
// and per version or alias: validated when set, and looked up by the dispatcher (the
// qualifier's own config, else the function's, else Lambda's defaults).
import { SkyscaleError } from '../errors.js';
import { ASYNC_DEFAULTS, asyncSettingsProblems, type AsyncSettings, type EventInvokeConfig } from '../model/async-invocation.js';
import { destinationTargets, parseDestination } from '../model/destinations.js';
import type { EventInvokeConfigsTable } from '../store/event-invoke-configs-table.js';

/** What a config is checked against: the function (and the qualifier) must exist. */
export interface FunctionCheck {
  get(name: string): unknown;
  resolve(name: string, qualifier?: string): unknown;
}

export interface EventConfigChange {
  maxRetryAttempts?: number;
  maxEventAgeSeconds?: number;
  destinations?: Record<string, unknown> | null;
}

export class EventInvokeConfigs {
  constructor(private readonly table: EventInvokeConfigsTable, private readonly functions: FunctionCheck) {}

  /**
   * Sets the config of a function (qualifier '' or undefined) or of one of its versions
   * or aliases. `replace`: fields not sent take the defaults (Lambda's Put); otherwise
   * they keep their current values (Update).
   */
  put(functionName: string, qualifier: string | undefined, change: EventConfigChange, replace: boolean): EventInvokeConfig {
    this.check(functionName, qualifier);
    const problems = [...asyncSettingsProblems(change), ...(change.destinations ? this.destinationProblems(functionName, change.destinations) : [])];
    if (problems.length) throw new SkyscaleError('InvalidFunctionConfig', `the event invoke config is invalid: ${problems.join('; ')}`, { details: { problems } });
    const base = replace ? null : this.table.get(functionName, qualifier ?? '');
    const config: EventInvokeConfig = {
      functionName, qualifier: qualifier ?? '',
      maxRetryAttempts: change.maxRetryAttempts ?? base?.maxRetryAttempts ?? ASYNC_DEFAULTS.maxRetryAttempts,
      maxEventAgeSeconds: change.maxEventAgeSeconds ?? base?.maxEventAgeSeconds ?? ASYNC_DEFAULTS.maxEventAgeSeconds,
      destinations: change.destinations !== undefined ? change.destinations : base?.destinations ?? null,
      lastModified: new Date().toISOString(),
    };
    this.table.put(config);
    return config;
  }

  /** The config set for exactly this function or qualifier; EventInvokeConfigNotFound when none is. */
  get(functionName: string, qualifier: string | undefined): EventInvokeConfig {
    this.check(functionName, qualifier);
    const config = this.table.get(functionName, qualifier ?? '');
    if (!config) throw notFound(functionName, qualifier);
    return config;
  }

  /** The function's own config, if it has one (no check that the function exists). */
  current(functionName: string): EventInvokeConfig | undefined {
    return this.table.get(functionName, '');
  }

  delete(functionName: string, qualifier: string | undefined): void {
    this.check(functionName, qualifier);
    if (!this.table.delete(functionName, qualifier ?? '')) throw notFound(functionName, qualifier);
  }

  list(functionName: string): EventInvokeConfig[] {
    this.functions.get(functionName);
    return this.table.list(functionName);
  }

  /** The settings an event for this function and qualifier runs under. */
  settingsFor(functionName: string, qualifier: string | null): AsyncSettings {
    const c = (qualifier ? this.table.get(functionName, qualifier) : undefined) ?? this.table.get(functionName, '');
    if (!c) return ASYNC_DEFAULTS;
    const { onSuccess, onFailure } = destinationTargets(c.destinations);
    return { maxRetryAttempts: c.maxRetryAttempts, maxEventAgeSeconds: c.maxEventAgeSeconds, ...(onSuccess ? { onSuccess } : {}), ...(onFailure ? { onFailure } : {}) };
  }

  /** Each destination set must be a function that exists now, or an http(s) URL. */
  private destinationProblems(functionName: string, config: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const key of Object.keys(config)) {
      if (key !== 'OnSuccess' && key !== 'OnFailure') problems.push(`DestinationConfig has no member ${key} (OnSuccess and OnFailure are)`);
    }
    const targets = destinationTargets(config);
    for (const [key, text] of [['OnSuccess', targets.onSuccess], ['OnFailure', targets.onFailure]] as const) {
      if (text === null) continue;
      const d = parseDestination(text);
      if (typeof d === 'string') problems.push(`${key}: ${d}`);
      else if (d.kind === 'function' && d.name === functionName) {
        problems.push(`${key}: a function cannot be its own destination (each record would invoke it again)`);
      } else if (d.kind === 'function') {
        try {
          this.functions.resolve(d.name, d.qualifier ?? undefined);
        } catch (err) {
          problems.push(`${key}: the destination function ${d.name}${d.qualifier ? `:${d.qualifier}` : ''} does not exist (${(err as Error).message})`);
        }
      }
    }
    return problems;
  }

  private check(functionName: string, qualifier: string | undefined): void {
    this.functions.get(functionName);
    if (qualifier) this.functions.resolve(functionName, qualifier);
  }
}

function notFound(functionName: string, qualifier: string | undefined): SkyscaleError {
  return new SkyscaleError('EventInvokeConfigNotFound', `function "${functionName}"${qualifier ? ` (qualifier ${qualifier})` : ''} has no event invoke config`,
    { hint: 'set one with PutFunctionEventInvokeConfig, or "async" in skyscale.json' });
}
