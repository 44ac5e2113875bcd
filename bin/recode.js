#!/usr/bin/env node
// The `recode` command: the CLI bundle built by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('recode: the CLI is not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(cli).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
