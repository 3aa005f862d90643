#!/bin/sh
# Installs the browser tests' npm packages (playwright-core, the version
# pinned in package-lock.json) into tests/web/node_modules, which git ignores.
# The browser is Debian's chromium (install-deps.sh): nothing downloads one.
set -e
cd "$(dirname "$0")"
want=$(node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")
have=$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch (e) { '' }")
if [ "$want" = "$have" ]; then
  exit 0
fi
echo "install-node-deps: installing playwright-core $want into tests/web/node_modules"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
