/** The docker command behind each cell of the run matrix. Pure, so every front shows the same array. */

/** `docker run --rm --platform P IMAGE [CMD…]`: one platform of an image, run once and removed. */
export function runPlatformCommand(platform: string, image: string, command?: readonly string[]): string[] {
  return ['docker', 'run', '--rm', '--platform', platform, image, ...(command ?? [])];
}
