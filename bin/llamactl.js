#!/usr/bin/env node
// Headless entry for servers and remote nodes: the built server, no Electron.
import '../dist/main/cli.js';
