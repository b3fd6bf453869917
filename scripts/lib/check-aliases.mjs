// The alias checks of `npm run check:bundle`, as a pure function (its tests: scripts/check-bundle.test.mjs).
// See scripts/lib/aliases.mjs for what each entry declares.

/**
 * @param {object} input
 * @param {import("./aliases.mjs").Alias[]} input.aliases   the declared entries (scripts/lib/aliases.mjs)
 * @param {Record<string, string> | undefined} input.wranglerAlias  wrangler.toml's `[alias]` as wrangler parsed it
 * @param {(file: string) => boolean} input.exists  whether a project-relative file exists
 * @param {{ inputs: Record<string, { imports?: { path: string, original?: string }[] }>,
 *   outputs: Record<string, { inputs?: Record<string, { bytesInOutput: number }> }> } | undefined} input.metafile
 *   the production build's esbuild metafile (paths relative to the project root), when there is one.
 *   A module counts as in the bundle when an output holds bytes of it: esbuild lists under `inputs`
 *   every module it parsed, tree-shaken ones too.
 * @returns {string[]} the problems found; empty when the aliases are as declared and still work
 */
export function checkAliases({ aliases, wranglerAlias, exists, metafile }) {
  const problems = [];
  const declared = Object.fromEntries(aliases.map(({ find, replacement }) => [find, replacement]));
  const actual = { ...(wranglerAlias ?? {}) };
  for (const [find, replacement] of Object.entries(declared)) {
    if (!(find in actual)) problems.push(`wrangler.toml [alias] lacks "${find}" = "${replacement}" (declared in scripts/lib/aliases.mjs)`);
    else if (actual[find] !== replacement)
      problems.push(`wrangler.toml [alias] "${find}" = "${actual[find]}", scripts/lib/aliases.mjs says "${replacement}"`);
  }
  for (const find of Object.keys(actual)) {
    if (!(find in declared)) problems.push(`wrangler.toml [alias] "${find}" is not declared in scripts/lib/aliases.mjs`);
  }

  for (const alias of aliases) {
    if (!exists(alias.replacement)) problems.push(`alias "${alias.find}": its replacement ${alias.replacement} does not exist`);
    for (const file of alias.replaces) {
      if (!exists(file))
        problems.push(
          `alias "${alias.find}": the file it replaces, ${file}, no longer exists (the package's layout moved: re-check or drop the alias)`,
        );
    }
    for (const file of alias.importers) {
      if (!exists(file))
        problems.push(
          `alias "${alias.find}": its importer ${file} no longer exists (the package's layout moved: re-check or drop the alias)`,
        );
    }
  }

  if (metafile) {
    const inputs = metafile.inputs ?? {};
    const normalize = (file) => file.replace(/\\/g, "/").replace(/^\.\//, "");
    const bundled = new Set();
    for (const output of Object.values(metafile.outputs ?? {})) {
      for (const [file, { bytesInOutput }] of Object.entries(output.inputs ?? {})) if (bytesInOutput > 0) bundled.add(normalize(file));
    }
    for (const alias of aliases) {
      for (const file of alias.replaces) {
        if (bundled.has(normalize(file))) problems.push(`alias "${alias.find}" no longer applies: the bundle still contains ${file}`);
      }
    }
    // Each importer the bundle holds must still import the specifier, and get the replacement.
    for (const alias of aliases) {
      const replacement = normalize(alias.replacement);
      for (const importer of alias.importers) {
        const entry = Object.entries(inputs).find(([file]) => normalize(file) === normalize(importer))?.[1];
        if (!entry) continue;
        const imports = (entry.imports ?? []).filter((i) => i.original === alias.find);
        if (imports.length === 0)
          problems.push(`alias "${alias.find}": ${importer} no longer imports "${alias.find}" (re-check or drop the alias)`);
        for (const { path } of imports) {
          if (normalize(path) !== replacement)
            problems.push(`alias "${alias.find}" no longer applies: ${importer} imports it as ${normalize(path)}`);
        }
      }
    }
    const byFind = new Map(aliases.map((alias) => [alias.find, alias]));
    for (const [importer, { imports = [] }] of Object.entries(inputs)) {
      for (const { original } of imports) {
        const alias = original === undefined ? undefined : byFind.get(original);
        if (alias && !alias.importers.includes(normalize(importer))) {
          problems.push(
            `alias "${alias.find}" also catches ${normalize(importer)}'s import of "${original}", which it was not written for`,
          );
        }
      }
    }
  }
  return problems;
}
