'use strict';
// The package as Node-RED's packaging guide asks: each node listed in `node-red.nodes` has its
// `.js` and an editor `.html` that registers the same type, with an edit form and help text; the
// supported Node and Node-RED versions are declared.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const pkg = require(path.join(root, 'package.json'));

test('scoped name, keywords and declared versions', () => {
  assert.match(pkg.name, /^@[a-z0-9-]+\/node-red-/);
  assert.ok(pkg.keywords.includes('node-red'));
  assert.ok(pkg.engines.node.includes('20'));
  assert.ok(pkg.devDependencies['node-red'].includes('4.1'));
  assert.ok(pkg['node-red'].version.includes('4.1'));
});

test('every node has its .js and an .html with form, help and a registration of its type', () => {
  const nodes = pkg['node-red'].nodes;
  assert.deepStrictEqual(Object.keys(nodes).sort(), ['enms-anomaly', 'enms-baseline', 'enms-forecast', 'enms-kpi', 'enms-rollup', 'enms-simulator']);
  for (const [type, file] of Object.entries(nodes)) {
    const js = path.join(root, file);
    assert.ok(fs.existsSync(js), file);
    const html = fs.readFileSync(js.replace(/\.js$/, '.html'), 'utf8');
    assert.ok(html.includes(`RED.nodes.registerType('${type}'`), `${type}: registerType`);
    assert.ok(html.includes(`data-template-name="${type}"`), `${type}: edit form`);
    assert.ok(html.includes(`data-help-name="${type}"`), `${type}: help`);
    assert.ok(/validate:/.test(html), `${type}: validated fields`);
  }
});
