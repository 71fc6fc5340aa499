#!/usr/bin/env node
// The `modelmesh` command. It is a committed file (not the build output itself) so that installing the workspace
// can link it before anything is built; it runs the built CLI (`pnpm build` writes dist/cli.js).
import "../dist/cli.js";
