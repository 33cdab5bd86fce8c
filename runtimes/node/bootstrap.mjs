// Skyscale's built-in Node.js runtime: the file the agent runs
// (/opt/node<major>/bin/node /opt/skyscale/runtime/node/bootstrap.mjs). The program is
// lib/ beside it: main.mjs picks the transport, loads the handler, serves invocations
// (contracts/agent-protocol.md, "The runtime's side"). Node.js standard library only.
import { main } from './lib/main.mjs';

await main();
