// A Node resolve hook for test/helpers/electron-stand-in.ts: the specifier 'electron', imported by a built file
// under dist/electron/, resolves to the recording stand-in (electron-module.mjs). Every other specifier, and
// 'electron' from anywhere else, resolves as usual. The built files themselves are loaded unchanged.
let standIn;
let scope;

export function initialize(data) {
  standIn = data.standIn;
  scope = data.scope;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron' && context.parentURL?.startsWith(scope)) return { url: standIn, shortCircuit: true };
  return nextResolve(specifier, context);
}
