import { z } from 'zod';

/** Input of channels that take nothing. Strict, so stray fields are refused rather than ignored. */
export const Empty = z.object({}).strict();

/** A container, volume or builder name as the engine accepts it. */
export const ResourceName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'letters, digits, "_", "." and "-" only, starting with a letter or digit');

export const Port = z.number().int().min(1).max(65535);

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
  .string()
  .min(1)
  .max(512)
  .regex(referencePattern, 'an image reference looks like [registry/]name[:tag][@sha256:digest], e.g. localhost:5000/hello:1.0');

export const TaskId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/);

/** An absolute or relative filesystem path without NUL bytes. */
export const FsPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');
