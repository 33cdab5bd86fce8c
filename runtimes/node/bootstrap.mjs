// Skyscale's built-in Node.js runtime: the file the agent runs
// (/opt/node<major>/bin/node /opt/skyscale/runtime/node/bootstrap.mjs). The program is
// lib/ beside it: main.mjs picks the transport, loads the handler, serves invocations
// (contracts/agent-protocol.md, "The runtime's side"). Node.js standard library only.
import { writeSync } from 'node:fs';
import { main } from './lib/main.mjs';

try {
  await main();
} catch (err) {
  // The agent is gone (its pipe ended) or broke the protocol: nothing more to serve.
  // Exit at once: waiting for the event loop to drain could wait for ever.
  try {
    writeSync(2, `[skyscale] runtime stopping: ${err?.message ?? err}\n`);
  } catch { /* stderr is gone with the agent */ }
  process.exit(1);
}
