import * as z from 'zod';
import { imageReferenceProblem, PORT_WORDS } from './input-words.js';

/** Input of channels that take nothing. Strict, so stray fields are refused rather than ignored. */
export const Empty = z.object({}).strict();

/** A container, volume or builder name as the engine accepts it. */
export const ResourceName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'letters, digits, "_", "." and "-" only, starting with a letter or digit');

export const Port = z.number({ error: PORT_WORDS }).int(PORT_WORDS).min(1, PORT_WORDS).max(65535, PORT_WORDS);

/** os/arch[/variant], e.g. linux/amd64, linux/arm/v7. */
export const PlatformString = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'a platform looks like os/arch or os/arch/variant, e.g. linux/arm64 or linux/arm/v7');

/**
 * An image reference: [registry[:port]/]path[:tag][@digest].
 * Follows the grammar of distribution/reference, with a length cap.
 */
const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domain = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
const referencePattern = new RegExp(`^(?:${domain}/)?${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
export const ImageReference = z
  .string({ error: 'an image reference is text, e.g. localhost:5000/hello:1' })
  .max(512, 'an image reference is at most 512 characters')
  .superRefine((value, ctx) => {
    if (value.length > 0 && value.length <= 512 && referencePattern.test(value)) return;
    // the grammar decides; the words say which part is wrong
    ctx.addIssue({
      code: 'custom',
      message: imageReferenceProblem(value) ?? 'an image reference looks like [registry/]name[:tag][@sha256:digest], e.g. localhost:5000/hello:1.0',
    });
  });

export const TaskId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);

/** An absolute or relative filesystem path without NUL bytes. */
export const FsPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');
