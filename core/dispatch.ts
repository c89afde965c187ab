import type { Channel, ChannelOutput, ChannelParsed, Channels } from './contract/channels.js';
import { isChannel, isEmptyPlainObject, emptyInputChannels } from './contract/channel-table.js';
import type { Envelope } from './contract/envelope.js';
import { AppError, serializeError } from './contract/errors.js';
import { runInCall } from './calls.js';
import { describeInputIssues } from './contract/input-words.js';

export interface CallContext {
  /** Aborted when the caller cancels the call or goes away (window closed, socket dropped, Ctrl-C). */
  signal?: AbortSignal;
  /** The caller's id for this call; every task the call starts carries it (TaskSnapshot.callId). */
  callId?: string;
}

export type Handlers = {
  [C in Channel]: (input: ChannelParsed<C>, ctx: CallContext) => Promise<ChannelOutput<C>>;
};

export type Dispatch = (channel: string, input: unknown, ctx?: CallContext) => Promise<Envelope>;

/** Every channel's input schema (zod), loaded on the first input that needs one. */
let channelSchemas: Promise<Channels> | undefined;
function loadChannels(): Promise<Channels> {
  channelSchemas ??= import('./contract/channels.js').then(
    (m) => m.channels,
    (error: unknown) => {
      channelSchemas = undefined; // a failed import may be tried again by the next call
      throw error;
    },
  );
  return channelSchemas;
}

/** Validates the channel name and input, runs the handler, and always answers with an envelope. */
export function createDispatch(handlers: Handlers): Dispatch {
  return async (channel, input, ctx = {}) => {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'unknown-channel', message: `There is no channel named ${JSON.stringify(String(channel).slice(0, 80))}.` } };
    }
    const given = input ?? {};
    // `{}` to a channel that takes it as it is: no schema needed, so a command like `builder ls` never loads zod
    const parsed = emptyInputChannels.has(channel) && isEmptyPlainObject(given) ? { success: true as const, data: {} } : (await loadChannels())[channel].input.safeParse(given);
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'invalid-input',
          // the channel is the app's plumbing, not the user's words: the message names fields only
          message: describeInputIssues(parsed.error.issues),
          details: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        },
      };
    }
    try {
      const handler = handlers[channel] as (input: unknown, ctx: CallContext) => Promise<unknown>;
      // tasks started anywhere below learn which call they work for from this scope
      const result = await runInCall(ctx, () => handler(parsed.data, ctx));
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: serializeError(error) };
    }
  };
}

/** Unwraps an envelope: the result, or the error rebuilt as an AppError. */
export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.result;
  throw new AppError(envelope.error.code, envelope.error.message, {
    ...(envelope.error.hint !== undefined ? { hint: envelope.error.hint } : {}),
    ...(envelope.error.details !== undefined ? { details: envelope.error.details } : {}),
  });
}
