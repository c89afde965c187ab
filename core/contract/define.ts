/**
 * How a domain declares a channel: its input schema, its output type and, for channels that run long
 * work, the kind of task the call starts. Kept apart from channels.ts so domain files can use it at run
 * time without importing the map that imports them.
 */
import type * as z from 'zod';

export interface ChannelDef<I extends z.ZodType, O> {
  input: I;
  /** Phantom field carrying the output type; never set at run time. */
  readonly output?: O;
}

/** A channel whose call runs as a task of kind `task`; the task carries the call's id. */
export interface TaskChannelDef<I extends z.ZodType, O, K extends string> extends ChannelDef<I, O> {
  readonly task: K;
}

export function channel<O>() {
  return <I extends z.ZodType>(input: I): ChannelDef<I, O> => ({ input });
}

export function taskChannel<O>() {
  return <const K extends string, I extends z.ZodType>(task: K, input: I): TaskChannelDef<I, O, K> => ({ input, task });
}
