/**
 * The dockerode create options of the registry container: the same container `registryRunCommand` creates
 * (core/commands/registry.ts).
 */
import { REGISTRY_CONTAINER_PORT, REGISTRY_DATA_PATH } from '../contract/registry-paths.js';
import { DELETE_ENABLED_ENV, type RegistrySpec } from '../commands/registry.js';

/** The dockerode create options matching `registryRunCommand`. */
export function containerCreateOptions(spec: RegistrySpec): {
  name: string;
  Image: string;
  Env: string[];
  Labels: Record<string, string>;
  ExposedPorts: Record<string, Record<string, never>>;
  HostConfig: {
    PortBindings: Record<string, Array<{ HostPort: string }>>;
    RestartPolicy: { Name: string };
    Mounts: Array<{ Type: 'volume'; Source: string; Target: string }>;
  };
} {
  const key = `${REGISTRY_CONTAINER_PORT}/tcp`;
  return {
    name: spec.name,
    Image: spec.image,
    Env: spec.deleteEnabled ? [`${DELETE_ENABLED_ENV}=true`] : [],
    Labels: spec.labels,
    ExposedPorts: { [key]: {} },
    HostConfig: {
      PortBindings: { [key]: [{ HostPort: String(spec.port) }] },
      RestartPolicy: { Name: 'always' },
      Mounts: [{ Type: 'volume', Source: spec.volume, Target: REGISTRY_DATA_PATH }],
    },
  };
}
