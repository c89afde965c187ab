/**
 * The registry container the app creates, as one spec: the dockerode create options and the `docker run`
 * that makes the same container, for people to copy.
 */
import { MANAGED_LABEL, REGISTRY_CONTAINER_PORT, REGISTRY_DATA_PATH, REGISTRY_ROLE, ROLE_LABEL } from '../contract/registry-lifecycle.js';
import { extraLabelsFrom } from '../docker/labels.js';
import { DELETE_ENABLED_ENV } from './container-facts.js';

export function registryLabels(env: NodeJS.ProcessEnv): Record<string, string> {
  return { ...extraLabelsFrom(env), [MANAGED_LABEL]: 'true', [ROLE_LABEL]: REGISTRY_ROLE };
}

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

export interface RegistrySpec {
  name: string;
  image: string;
  port: number;
  volume: string;
  deleteEnabled: boolean;
  labels: Record<string, string>;
}

/** The `docker run` that creates the same container, for people to copy. */
export function dockerRunCommand(spec: RegistrySpec): string[] {
  return [
    'docker', 'run', '-d',
    '-p', `${spec.port}:${REGISTRY_CONTAINER_PORT}`,
    '--restart=always',
    '--name', spec.name,
    '-v', `${spec.volume}:${REGISTRY_DATA_PATH}`,
    ...(spec.deleteEnabled ? ['-e', `${DELETE_ENABLED_ENV}=true`] : []),
    ...labelArgs(spec.labels),
    spec.image,
  ];
}

export function volumeCreateCommand(volume: string, labels: Record<string, string>): string[] {
  return ['docker', 'volume', 'create', ...labelArgs(labels), volume];
}

/** The dockerode create options matching `dockerRunCommand`. */
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
