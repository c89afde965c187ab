export const viewIds = ['doctor', 'registry', 'builder', 'build', 'runs', 'settings'] as const;
export type ViewId = (typeof viewIds)[number];

export function isViewId(value: unknown): value is ViewId {
  return typeof value === 'string' && (viewIds as readonly string[]).includes(value);
}

/** "#/builder" -> "builder"; anything unknown lands on the Doctor, the starting point of the app. */
export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return isViewId(id) ? id : 'doctor';
}

export function hashForView(view: ViewId): string {
  return `#/${view}`;
}

/** Goes to another area the way the sidebar does: through the address, so Back returns here. */
export function navigate(view: ViewId): void {
  window.location.hash = hashForView(view);
}
