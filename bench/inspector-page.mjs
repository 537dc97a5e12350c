// The inspector page of W1i, without a browser: connects to the inspector's `/events` feed (as
// the page does, from the page's origin), reads every frame, and says `open` on stdout once
// connected. Ends on SIGTERM.
import WebSocket from 'ws';

const page = new URL(process.argv[2]);
const socket = new WebSocket(`ws://${page.host}/events`, { origin: page.origin });
let frames = 0;
socket.on('message', () => frames++);
socket.once('open', () => process.stdout.write('open\n'));
socket.once('error', (error) => {
  process.stderr.write(`inspector page: ${error.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  socket.close();
  process.exit(frames > 0 ? 0 : 3);
});
