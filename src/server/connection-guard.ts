// What Node's http server does not bound by itself: connections per remote address, and pipelined
// requests. Node parses every request a connection sends and calls the handler for each at once,
// queueing the answers; a client that pipelines hundreds of binpkg GETs and never reads would
// have each of them open its file and buffer a chunk. Here the requests of one connection are
// answered one at a time, in order (RFC 9112 §9.3.2), and a deeper queue closes the connection.
import type http from "node:http";
import type net from "node:net";

/** Closes a new connection at once while `max` others from its remote address are open. */
export function limitConnectionsPerAddress(server: net.Server, max: number): void {
  const open = new Map<string, number>();
  server.on("connection", (socket: net.Socket) => {
    const address = socket.remoteAddress ?? "";
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Turns {
  busy: boolean;
  waiting: (() => void)[];
}

/**
 * Wraps a handler so that a connection's next request starts only once the previous response
 * has closed. More than `maxDepth` requests waiting closes the connection: no Portage client
 * pipelines (wget, curl and urllib wait for each answer), so only a hostile one gets there.
 */
export function oneRequestAtATime(maxDepth: number, handle: Handler): Handler {
  const turns = new WeakMap<net.Socket, Turns>();
  return (req, res) => {
    const socket = req.socket;
    if (socket.destroyed) return;
    const state = turns.get(socket) ?? { busy: false, waiting: [] };
    turns.set(socket, state);
    const run = (): void => {
      if (socket.destroyed) return next(state);
      res.once("close", () => next(state));
      handle(req, res);
    };
    if (!state.busy) {
      state.busy = true;
      run();
    } else if (state.waiting.length < maxDepth) {
      state.waiting.push(run);
    } else {
      socket.destroy();
    }
  };
}

function next(state: Turns): void {
  const run = state.waiting.shift();
  if (run) run();
  else state.busy = false;
}
