import * as z from 'zod';
import { ImageReference, Port, ResourceName, FsPath } from './common.js';
import { RegistryAddress } from './registry.js';

/** Registries the user said may be reached over plain HTTP (one of the sources of the plain-HTTP list). */
const PlainHttpRegistries = z.array(RegistryAddress).max(100);

export const SettingsSchema = z.object({
  registry: z.object({
    name: ResourceName.default('registry'),
    port: Port.default(5000),
    volume: ResourceName.default('registry_data'),
    image: ImageReference.default('registry:2'),
  }).prefault({}),
  builder: z.object({
    name: ResourceName.default('mybuilder'),
  }).prefault({}),
  /** Where sample projects are scaffolded; empty means "<data folder>/workspace". */
  workspaceDir: z.union([FsPath, z.literal('')]).default(''),
  plainHttpRegistries: PlainHttpRegistries.default([]),
});

export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsPatchSchema = z.object({
  registry: z.object({
    name: ResourceName,
    port: Port,
    volume: ResourceName,
    image: ImageReference,
  }).partial().strict().optional(),
  builder: z.object({ name: ResourceName }).partial().strict().optional(),
  workspaceDir: z.union([FsPath, z.literal('')]).optional(),
  plainHttpRegistries: PlainHttpRegistries.optional(),
}).strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
