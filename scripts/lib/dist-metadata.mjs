/**
 * What each installer target refuses to build without, checked before electron-builder starts: it
 * downloads the Electron zip first and reaches the targets' own checks only afterwards, so without
 * this a missing homepage would surface only on a machine that can download (the deb target's
 * "Please specify project homepage"). Mirrors the checks in app-builder-lib's targets.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {Record<string, any>} pkg package.json
 * @param {Record<string, any>} config electron-builder's configuration as loaded
 * @param {string} root the project folder, for icon paths
 * @returns {string[]} one line per problem, naming the target it stops
 */
export function metadataProblems(pkg, config, root) {
  const problems = [];
  const author = typeof pkg.author === 'string' ? { name: pkg.author } : (pkg.author ?? {});
  const need = (ok, line) => {
    if (!ok) problems.push(line);
  };
  need(pkg.name && pkg.version, 'all targets: package.json needs name and version');
  need(pkg.description, 'deb, AppImage: package.json needs a description');
  need(author.name, 'all targets: package.json needs an author (its name goes into every installer)');
  need(pkg.productName || config.productName, 'all targets: productName (the name users see)');
  need(config.appId, 'dmg, nsis: appId');
  // FpmTarget.computeFpmMetaInfoOptions
  need(pkg.homepage || pkg.repository, 'deb: package.json needs homepage (or repository): "Please specify project homepage"');
  need(config.deb?.maintainer || config.linux?.maintainer || author.email, 'deb: a maintainer (linux.maintainer, or an email in package.json author)');
  need(config.linux?.category, 'AppImage, deb: linux.category for the menu');
  need(pkg.desktopName && config.linux?.syncDesktopName, 'AppImage, deb: desktopName with linux.syncDesktopName, so the window belongs to its launcher');
  const icon = (p) => p && existsSync(path.resolve(root, p));
  need(icon(config.linux?.icon), 'AppImage, deb: linux.icon');
  need(icon(config.mac?.icon), 'dmg: mac.icon');
  need(icon(config.win?.icon), 'nsis: win.icon');
  return problems;
}
