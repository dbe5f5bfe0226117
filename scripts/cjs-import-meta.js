// Injected by scripts/build-package.mjs into the CommonJS build of a module that reads import.meta.url
// (esbuild defines import.meta.url as this): the module file's own URL, as in the ES module build.
// Through process.getBuiltinModule rather than require('node:url'), so a bundler does not pull Node's
// url module into a browser build; undefined where there is no such module or no __filename.
export const importMetaUrl =
  typeof __filename === 'string' ? globalThis.process?.getBuiltinModule?.('node:url')?.pathToFileURL(__filename).href : undefined;
