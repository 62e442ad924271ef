import { BACKEND_TYPES, type BackendType } from '../api/instances';
import { backendOf } from './descriptors';
import type { BackendOptionField } from './types';

/** A backend's typed options, in argv order (its descriptor's option table). */
export function optionFields(type: BackendType): readonly BackendOptionField[] {
  return backendOf(type).options;
}

/** The built-in backends' option tables, by type (for tests and tools that list them all). */
export const BACKEND_OPTION_FIELDS: Readonly<Record<BackendType, readonly BackendOptionField[]>> =
  Object.fromEntries(BACKEND_TYPES.map((t) => [t, optionFields(t)])) as Record<
    BackendType,
    readonly BackendOptionField[]
  >;
