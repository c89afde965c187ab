/** Where the local registry keeps its data and listens, inside its container. Apart from registry-lifecycle.ts so code that only needs these does not load zod. */
export const REGISTRY_DATA_PATH = '/var/lib/registry';
/** The port the registry listens on inside its container (its default config). */
export const REGISTRY_CONTAINER_PORT = 5000;
